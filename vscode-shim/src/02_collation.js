// `String.prototype.localeCompare` as Node (ICU's root collation) answers, where the engine compares code
// units and ignores the options: whitespace and punctuation (in ICU's order) before digits before
// letters; then accents; then case (lower before upper). `sensitivity` (`base`, `accent`, `case`,
// `variant`) picks the levels compared, `numeric` compares digit runs by value. Exact for ASCII; other
// letters are compared by their base letter (NFD without combining marks), the rest by code point.
const PUNCTUATION_ORDER = '\t\n\v\f\r _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$';
const COMBINING = /[\u0300-\u036f]/;
const pad = (number, width) => String(number).padStart(width, '0');

// One element per base character: `primary` a string that sorts as ICU's first level, then its accents
// and whether it is upper case.
function collationElements(text, numeric) {
  const elements = [];
  const characters = Array.from(String(text).normalize('NFD'));
  for (let index = 0; index < characters.length; index++) {
    const character = characters[index];
    if (COMBINING.test(character)) {
      if (elements.length) elements[elements.length - 1].accents += character;
      continue;
    }
    const lower = character.toLowerCase();
    const punctuation = PUNCTUATION_ORDER.indexOf(character);
    let primary;
    if (punctuation >= 0) primary = '0' + pad(punctuation, 3);
    else if (/\s/.test(character)) primary = '0000';
    else if (character >= '0' && character <= '9') {
      if (numeric) {
        let end = index;
        while (end + 1 < characters.length && characters[end + 1] >= '0' && characters[end + 1] <= '9') end++;
        const digits = characters.slice(index, end + 1).join('').replace(/^0+(?=\d)/, '');
        primary = '1' + pad(digits.length, 6) + digits;
        index = end;
      } else {
        primary = '1' + character;
      }
    } else if (lower >= 'a' && lower <= 'z') primary = '2' + lower;
    else if (lower !== character.toUpperCase()) primary = '3' + pad(lower.codePointAt(0), 7);
    else primary = '4' + pad(character.codePointAt(0), 7);
    elements.push({ primary, accents: '', upper: character !== lower });
  }
  return elements;
}

function compareLevel(left, right, key) {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const a = key(left[index]);
    const b = key(right[index]);
    if (a < b) return -1;
    if (a > b) return 1;
  }
  return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
}

// ASCII without digit runs to compare by value: one pass per level over precomputed weights.
const ASCII_PRIMARY = new Uint16Array(128);
for (let code = 0; code < 128; code++) {
  const character = String.fromCharCode(code);
  const punctuation = PUNCTUATION_ORDER.indexOf(character);
  if (punctuation >= 0) ASCII_PRIMARY[code] = 1 + punctuation;
  else if (code >= 48 && code <= 57) ASCII_PRIMARY[code] = 100 + code - 48;
  else if (code >= 97 && code <= 122) ASCII_PRIMARY[code] = 200 + code - 97;
  else if (code >= 65 && code <= 90) ASCII_PRIMARY[code] = 200 + code - 65;
  else ASCII_PRIMARY[code] = 0;
}
const ASCII_ONLY = /^[\x00-\x7f]*$/;

function compareAscii(left, right, sensitivity) {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const a = ASCII_PRIMARY[left.charCodeAt(index)];
    const b = ASCII_PRIMARY[right.charCodeAt(index)];
    if (a !== b) return a < b ? -1 : 1;
  }
  if (left.length !== right.length) return left.length < right.length ? -1 : 1;
  if (sensitivity === 'base' || sensitivity === 'accent') return 0;
  for (let index = 0; index < length; index++) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a === b) continue;
    const upperA = a >= 65 && a <= 90;
    const upperB = b >= 65 && b <= 90;
    if (upperA !== upperB) return upperA ? 1 : -1;
  }
  return 0;
}

function localeCompare(that, options) {
  const numeric = Boolean(options && options.numeric);
  const sensitivity = (options && options.sensitivity) || 'variant';
  const text = String(this);
  if (!numeric && ASCII_ONLY.test(text) && ASCII_ONLY.test(that)) return compareAscii(text, that, sensitivity);
  const left = collationElements(text, numeric);
  const right = collationElements(that, numeric);
  const primary = compareLevel(left, right, (element) => element.primary);
  if (primary !== 0) return primary;
  if (sensitivity === 'base') return 0;
  if (sensitivity !== 'case') {
    const accents = compareLevel(left, right, (element) => element.accents);
    if (accents !== 0 || sensitivity === 'accent') return accents;
  }
  return compareLevel(left, right, (element) => (element.upper ? 1 : 0));
}

shim.internal.localeCompare = localeCompare;
