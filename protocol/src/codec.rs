//! LSP base-protocol framing (`Content-Length: N\r\n\r\n` + N bytes) that recovers from bad frames.
//!
//! `tokio_util`'s `FramedRead` ends the stream once a decoder returns `Err`, so framing problems are
//! yielded as items (`Ok(Some(Err(FrameError)))`) and only I/O errors are decoder errors.

use std::io;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// The header that must appear in every header block, as it is searched for when resynchronising.
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// The largest message body accepted by [`ContentLengthCodec::new`]: 64 MiB.
const DEFAULT_MAX_LENGTH: usize = 64 * 1024 * 1024;

/// A header block longer than this without its terminating empty line is malformed.
const MAX_HEADER_LENGTH: usize = 8 * 1024;

/// A framing problem, or an I/O error while reading frames.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A header block ended without a `Content-Length` header; the block was dropped.
    #[error("header block has no content-length header")]
    MissingContentLength,
    /// The `Content-Length` value is not a decimal number; the header block was dropped.
    #[error("invalid content-length value {0:?}")]
    InvalidContentLength(String),
    /// A header line is not `name: value`, or the header block is too long; the block was dropped.
    #[error("malformed header: {0}")]
    MalformedHeader(String),
    /// The announced body is longer than the codec accepts; the decoder skips to the next
    /// `Content-Length:` (the announced length is not trusted: a next message may come sooner).
    #[error("message of {length} bytes exceeds the maximum of {max} bytes")]
    TooLarge {
        /// The announced body length.
        length: usize,
        /// The largest body accepted.
        max: usize,
    },
    /// Bytes that could not start a header block were skipped to find the next `Content-Length`.
    #[error("skipped {skipped} bytes that are not a message header")]
    Garbage {
        /// How many bytes were discarded.
        skipped: usize,
    },
    /// Reading or writing failed.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
}

/// Splits a byte stream into message bodies by their `Content-Length` headers, and frames bodies.
///
/// Decoded items are `Ok(body)` or a recoverable `Err(FrameError)`; after one the codec carries on
/// with the next frame.
#[derive(Debug)]
pub struct ContentLengthCodec {
    max_length: usize,
    state: State,
}

/// Where the decoder is within the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a header block.
    Header,
    /// After a header block, waiting for a body of this many bytes.
    Body { length: usize },
    /// Dropping bytes until the next `Content-Length:`; `skipped` counts the bytes dropped so far, and
    /// `quiet` says they are an oversized body already reported (not garbage to report).
    Resync { skipped: usize, quiet: bool },
}

/// What scanning the buffer for a header block found.
enum HeaderScan {
    /// The block is not complete yet.
    Incomplete,
    /// A complete block of `length` bytes, with its `Content-Length` value if it had one.
    Complete {
        length: usize,
        content_length: Option<String>,
    },
    /// The line at `start` cannot be part of a header block; `problem` is worth reporting when lines
    /// before it (or the line itself, by its length) made it look like a header block.
    Bad {
        start: usize,
        problem: Option<String>,
    },
}

impl ContentLengthCodec {
    /// A codec accepting bodies of up to 64 MiB.
    pub fn new() -> Self {
        ContentLengthCodec::with_max_length(DEFAULT_MAX_LENGTH)
    }

    /// A codec accepting bodies of up to `max_length` bytes.
    pub fn with_max_length(max_length: usize) -> Self {
        ContentLengthCodec {
            max_length,
            state: State::Header,
        }
    }

    /// Interprets a complete header block's `Content-Length` value.
    fn start_body(&mut self, content_length: Option<String>) -> Option<FrameError> {
        let Some(value) = content_length else {
            return Some(FrameError::MissingContentLength);
        };
        let length = match value.parse::<usize>() {
            Ok(length) if value.bytes().all(|byte| byte.is_ascii_digit()) => length,
            _ => return Some(FrameError::InvalidContentLength(value)),
        };
        if length > self.max_length {
            self.state = State::Resync {
                skipped: 0,
                quiet: true,
            };
            return Some(FrameError::TooLarge {
                length,
                max: self.max_length,
            });
        }
        self.state = State::Body { length };
        None
    }
}

impl Default for ContentLengthCodec {
    fn default() -> Self {
        ContentLengthCodec::new()
    }
}

impl Decoder for ContentLengthCodec {
    type Item = Result<Bytes, FrameError>;
    type Error = FrameError;

    fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<Self::Item>, FrameError> {
        loop {
            match self.state {
                State::Body { length } => {
                    if buffer.len() < length {
                        buffer.reserve(length - buffer.len());
                        return Ok(None);
                    }
                    self.state = State::Header;
                    return Ok(Some(Ok(buffer.split_to(length).freeze())));
                }
                State::Resync { skipped, quiet } => match find_content_length(buffer, 0) {
                    Some(position) => {
                        buffer.advance(position);
                        self.state = State::Header;
                        if !quiet {
                            return Ok(Some(Err(FrameError::Garbage {
                                skipped: skipped + position,
                            })));
                        }
                    }
                    None => {
                        // Keep a tail that may be the start of a `Content-Length:` split across reads.
                        let dropped = buffer.len() - content_length_prefix_tail(buffer);
                        buffer.advance(dropped);
                        self.state = State::Resync {
                            skipped: skipped + dropped,
                            quiet,
                        };
                        return Ok(None);
                    }
                },
                State::Header => match scan_header(buffer) {
                    HeaderScan::Incomplete => return Ok(None),
                    HeaderScan::Complete {
                        length,
                        content_length,
                    } => {
                        buffer.advance(length);
                        if let Some(error) = self.start_body(content_length) {
                            return Ok(Some(Err(error)));
                        }
                    }
                    HeaderScan::Bad { start, problem } => {
                        // The bad line's first byte is garbage at least; this also guarantees progress.
                        buffer.advance(start + 1);
                        self.state = State::Resync {
                            skipped: 1,
                            quiet: false,
                        };
                        if let Some(problem) = problem {
                            return Ok(Some(Err(FrameError::MalformedHeader(problem))));
                        }
                    }
                },
            }
        }
    }

    fn decode_eof(&mut self, buffer: &mut BytesMut) -> Result<Option<Self::Item>, FrameError> {
        if let Some(item) = self.decode(buffer)? {
            return Ok(Some(item));
        }
        // Nothing more can complete: drop a trailing partial frame silently, report trailing garbage once.
        let state = std::mem::replace(&mut self.state, State::Header);
        let leftover = buffer.len();
        buffer.clear();
        match state {
            State::Resync {
                skipped,
                quiet: false,
            } => Ok(Some(Err(FrameError::Garbage {
                skipped: skipped + leftover,
            }))),
            _ => Ok(None),
        }
    }
}

impl<'a> Encoder<&'a [u8]> for ContentLengthCodec {
    type Error = FrameError;

    fn encode(&mut self, body: &'a [u8], destination: &mut BytesMut) -> Result<(), FrameError> {
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        destination.reserve(header.len() + body.len());
        destination.put_slice(header.as_bytes());
        destination.put_slice(body);
        Ok(())
    }
}

impl Encoder<Bytes> for ContentLengthCodec {
    type Error = FrameError;

    fn encode(&mut self, body: Bytes, destination: &mut BytesMut) -> Result<(), FrameError> {
        self.encode(&body[..], destination)
    }
}

/// One framed message: `Content-Length: N\r\n\r\n` followed by `body`.
pub fn encode_frame(body: &[u8]) -> Vec<u8> {
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(body);
    frame
}

/// A blocking reader of frames from a `std::io::Read` (a child's stdout read synchronously, as the
/// benchmarks do), decoding with [`ContentLengthCodec`].
#[derive(Debug)]
pub struct FrameReader<R> {
    reader: R,
    buffer: BytesMut,
    codec: ContentLengthCodec,
}

/// How many bytes [`FrameReader`] asks its reader for at a time.
const READ_CHUNK: usize = 16 * 1024;

impl<R: io::Read> FrameReader<R> {
    /// A reader of frames of up to 64 MiB from `reader`.
    pub fn new(reader: R) -> Self {
        FrameReader {
            reader,
            buffer: BytesMut::with_capacity(READ_CHUNK),
            codec: ContentLengthCodec::new(),
        }
    }

    /// The next frame's body, `Ok(None)` at the end of input; `Err` for an I/O error or a framing
    /// problem (after which the next call carries on with the next frame).
    pub fn read_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        loop {
            if let Some(item) = self.codec.decode(&mut self.buffer)? {
                return item.map(Some);
            }
            let filled = self.buffer.len();
            self.buffer.resize(filled + READ_CHUNK, 0);
            let read = loop {
                match self.reader.read(&mut self.buffer[filled..]) {
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    other => break other,
                }
            };
            let read = match read {
                Ok(read) => read,
                Err(error) => {
                    self.buffer.truncate(filled);
                    return Err(error.into());
                }
            };
            self.buffer.truncate(filled + read);
            if read == 0 {
                return self.codec.decode_eof(&mut self.buffer)?.transpose();
            }
        }
    }
}

/// Scans `buffer` for a header block starting at its first byte.
///
/// Every decision depends only on bytes already seen, so feeding the stream in any chunks gives the
/// same outcome.
fn scan_header(buffer: &[u8]) -> HeaderScan {
    let mut position = 0;
    let mut content_length = None;
    loop {
        let rest = &buffer[position..];
        let newline = rest.iter().position(|&byte| byte == b'\n');
        let line = match newline {
            Some(end) => rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]),
            None => rest,
        };
        let bad = |problem: String| HeaderScan::Bad {
            start: position,
            problem: (position > 0).then_some(problem),
        };
        // Only bytes within the header size limit are judged, so the outcome does not depend on chunking.
        let limit = MAX_HEADER_LENGTH.saturating_sub(position);
        let visible = &line[..line.len().min(limit)];
        // Error messages quote the line only up to the offending byte, which every chunking has seen.
        if let Some(found) = find_content_length(visible, 1) {
            let seen = &line[..found + CONTENT_LENGTH.len()];
            return bad(format!(
                "unexpected bytes before content-length in {}",
                describe(seen)
            ));
        }
        let blank_line_so_far = position > 0 && newline.is_none() && line == b"\r";
        match invalid_header_byte(visible) {
            Some(offending) if !blank_line_so_far => {
                return bad(format!(
                    "invalid header line starting {}",
                    describe(&line[..=offending])
                ));
            }
            _ => {}
        }
        if line.len() > limit {
            let problem = format!("header block longer than {MAX_HEADER_LENGTH} bytes");
            return HeaderScan::Bad {
                start: position,
                problem: Some(problem),
            };
        }
        let Some(end) = newline else {
            return HeaderScan::Incomplete;
        };
        if line.is_empty() {
            if position == 0 {
                return bad(String::new());
            }
            return HeaderScan::Complete {
                length: position + end + 1,
                content_length,
            };
        }
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            return bad(format!("invalid header line {}", describe(line)));
        };
        if line[..colon].eq_ignore_ascii_case(b"content-length") {
            let value = String::from_utf8_lossy(&line[colon + 1..]);
            content_length = Some(value.trim_matches([' ', '\t']).to_owned());
        }
        position += end + 1;
    }
}

/// The position of the first byte that stops `line` being, or becoming, a `name: value` header line
/// with a non-empty token name; `None` when there is none.
fn invalid_header_byte(line: &[u8]) -> Option<usize> {
    match line.iter().position(|&byte| byte == b':') {
        Some(0) => Some(0),
        Some(colon) => line[..colon].iter().position(|&byte| !is_token_byte(byte)),
        None => line.iter().position(|&byte| !is_token_byte(byte)),
    }
}

/// Whether `byte` may appear in a header name (an RFC 9110 `tchar`).
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// The position of the first case-insensitive `Content-Length:` in `haystack` at or after `from`.
fn find_content_length(haystack: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(CONTENT_LENGTH.len())
        .position(|window| window.eq_ignore_ascii_case(CONTENT_LENGTH))
        .map(|position| position + from)
}

/// The length of the longest end of `buffer` that is a proper prefix of `Content-Length:`.
fn content_length_prefix_tail(buffer: &[u8]) -> usize {
    (1..CONTENT_LENGTH.len().min(buffer.len() + 1))
        .rev()
        .find(|&length| {
            buffer[buffer.len() - length..].eq_ignore_ascii_case(&CONTENT_LENGTH[..length])
        })
        .unwrap_or(0)
}

/// A header line quoted for an error message, shortened when long.
fn describe(line: &[u8]) -> String {
    const SHOWN: usize = 60;
    let text = String::from_utf8_lossy(&line[..line.len().min(SHOWN)]);
    if line.len() > SHOWN {
        format!("{text:?}…")
    } else {
        format!("{text:?}")
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;
    use tokio_util::codec::FramedRead;

    use super::*;

    /// A reader that hands out one byte a call, so every frame arrives split.
    struct ByteByByte<'a>(&'a [u8]);

    impl io::Read for ByteByByte<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let Some((first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            buffer[0] = *first;
            self.0 = rest;
            Ok(1)
        }
    }

    #[test]
    fn the_blocking_reader_reads_split_frames_reports_garbage_and_ends() {
        let mut input = encode_frame(b"{\"a\":1}");
        input.extend_from_slice(b"junk\r\n");
        input.extend_from_slice(&encode_frame(b"second"));
        let mut reader = FrameReader::new(ByteByByte(&input));
        assert_eq!(&reader.read_frame().unwrap().unwrap()[..], b"{\"a\":1}");
        assert!(matches!(
            reader.read_frame(),
            Err(FrameError::Garbage { .. })
        ));
        assert_eq!(&reader.read_frame().unwrap().unwrap()[..], b"second");
        assert!(reader.read_frame().unwrap().is_none());
        assert!(reader.read_frame().unwrap().is_none());
    }

    /// Feeds `chunks` to a codec one after another, then signals EOF; renders every item.
    fn run(codec: &mut ContentLengthCodec, chunks: &[&[u8]]) -> Vec<String> {
        let mut buffer = BytesMut::new();
        let mut items = Vec::new();
        for chunk in chunks {
            buffer.extend_from_slice(chunk);
            while let Some(item) = codec.decode(&mut buffer).unwrap() {
                items.push(render(item));
            }
        }
        while let Some(item) = codec.decode_eof(&mut buffer).unwrap() {
            items.push(render(item));
        }
        items
    }

    fn render(item: Result<Bytes, FrameError>) -> String {
        match item {
            Ok(body) => format!("frame {}", String::from_utf8_lossy(&body)),
            Err(error) => format!("{error:?}"),
        }
    }

    fn decode_whole(input: &[u8]) -> Vec<String> {
        run(&mut ContentLengthCodec::new(), &[input])
    }

    fn decode_byte_by_byte(input: &[u8]) -> Vec<String> {
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        run(&mut ContentLengthCodec::new(), &chunks)
    }

    /// Decodes `input` whole, byte by byte and split in two at every point; all must give `expected`.
    fn check(input: &[u8], expected: &[&str]) {
        let shown = String::from_utf8_lossy(input);
        assert_eq!(decode_whole(input), expected, "whole: {shown:?}");
        assert_eq!(
            decode_byte_by_byte(input),
            expected,
            "byte by byte: {shown:?}"
        );
        for split in 1..input.len() {
            let (first, second) = input.split_at(split);
            let items = run(&mut ContentLengthCodec::new(), &[first, second]);
            assert_eq!(items, expected, "split at {split}: {shown:?}");
        }
    }

    #[test]
    fn decodes_frames() {
        let cases: &[(&[u8], &[&str])] = &[
            (b"Content-Length: 5\r\n\r\nhello", &["frame hello"]),
            (b"Content-Length: 1\r\n\r\naContent-Length: 2\r\n\r\nbcContent-Length: 0\r\n\r\n", &[
                "frame a", "frame bc", "frame ",
            ]),
            (b"content-LENGTH:3\r\n\r\nabc", &["frame abc"]),
            (b"Content-Length:   4  \r\n\r\nabcd", &["frame abcd"]),
            (b"Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\nok", &["frame ok"]),
            (b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\nok", &["frame ok"]),
            (b"X-Unknown: 1\r\nContent-Length: 2\r\nOther: x\r\n\r\nok", &["frame ok"]),
            (b"Content-Length: 2\n\nokContent-Length: 3\r\n\nabc", &["frame ok", "frame abc"]),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn resynchronises_after_garbage() {
        let cases: &[(&[u8], &[&str])] = &[
            (
                b"xyzContent-Length: 2\r\n\r\nok",
                &["Garbage { skipped: 3 }", "frame ok"],
            ),
            (
                b"hello world\r\nContent-Length: 2\r\n\r\nok",
                &["Garbage { skipped: 13 }", "frame ok"],
            ),
            (
                b"{\"jsonrpc\":\"2.0\"}\r\n\r\nCONTENT-LENGTH: 2\r\n\r\nok",
                &["Garbage { skipped: 21 }", "frame ok"],
            ),
            (
                b"Content-Length: 1\r\n\r\na\r\nContent-Length: 1\r\n\r\nb",
                &["frame a", "Garbage { skipped: 2 }", "frame b"],
            ),
            (
                b"Content-Length: 1\r\n\r\najunk content-lengt Content-Length: 1\r\n\r\nb",
                &["frame a", "Garbage { skipped: 19 }", "frame b"],
            ),
            (
                b"Content-Length: 1\r\n\r\na\r\n",
                &["frame a", "Garbage { skipped: 2 }"],
            ),
            (b"garbage only", &["Garbage { skipped: 12 }"]),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn recovers_from_bad_headers() {
        let cases: &[(&[u8], &[&str])] = &[
            (
                b"Content-Type: x\r\n\r\nContent-Length: 2\r\n\r\nok",
                &["MissingContentLength", "frame ok"],
            ),
            (
                b"Content-Length: abc\r\n\r\nContent-Length: 2\r\n\r\nok",
                &["InvalidContentLength(\"abc\")", "frame ok"],
            ),
            (
                b"Content-Length: -1\r\n\r\nContent-Length: 2\r\n\r\nok",
                &["InvalidContentLength(\"-1\")", "frame ok"],
            ),
            (
                b"Content-Length: +1\r\n\r\nContent-Length: 2\r\n\r\nok",
                &["InvalidContentLength(\"+1\")", "frame ok"],
            ),
            (
                b"Content-Length:\r\n\r\nContent-Length: 2\r\n\r\nok",
                &["InvalidContentLength(\"\")", "frame ok"],
            ),
            (
                b"Content-Length: 99999999999999999999999\r\n\r\nContent-Length: 2\r\n\r\nok",
                &[
                    "InvalidContentLength(\"99999999999999999999999\")",
                    "frame ok",
                ],
            ),
            (
                b"Content-Length: 2\r\nbad line\r\n\r\nContent-Length: 2\r\n\r\nok",
                &[
                    "MalformedHeader(\"invalid header line starting \\\"bad \\\"\")",
                    "Garbage { skipped: 12 }",
                    "frame ok",
                ],
            ),
            (
                b"Content-Type: x\r\nxxContent-Length: 2\r\n\r\nok",
                &[
                    "MalformedHeader(\"unexpected bytes before content-length in \\\"xxContent-Length:\\\"\")",
                    "Garbage { skipped: 2 }",
                    "frame ok",
                ],
            ),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn overlong_header_block_is_malformed() {
        let mut input = b"Content-Length: 2\r\nX-Padding: ".to_vec();
        input.extend(std::iter::repeat_n(b'a', MAX_HEADER_LENGTH));
        input.extend_from_slice(b"\r\n\r\nContent-Length: 2\r\n\r\nok");
        let skipped = MAX_HEADER_LENGTH + "X-Padding: \r\n\r\n".len();
        let expected = [
            "MalformedHeader(\"header block longer than 8192 bytes\")".to_owned(),
            format!("Garbage {{ skipped: {skipped} }}"),
            "frame ok".to_owned(),
        ];
        assert_eq!(decode_whole(&input), expected);
        assert_eq!(decode_byte_by_byte(&input), expected);
    }

    #[test]
    fn skips_oversized_body_without_buffering_it() {
        let mut codec = ContentLengthCodec::with_max_length(10);
        let mut buffer = BytesMut::from(&b"Content-Length: 1000\r\n\r\n"[..]);
        let first = codec.decode(&mut buffer).unwrap();
        assert!(
            matches!(
                first,
                Some(Err(FrameError::TooLarge {
                    length: 1000,
                    max: 10
                }))
            ),
            "{first:?}"
        );
        for _ in 0..99 {
            buffer.extend_from_slice(&[b'x'; 10]);
            assert!(codec.decode(&mut buffer).unwrap().is_none());
            assert!(buffer.is_empty(), "oversized body bytes were buffered");
        }
        buffer.extend_from_slice(b"xxxxxxxxxxContent-Length: 2\r\n\r\nok");
        assert!(matches!(codec.decode(&mut buffer).unwrap(), Some(Ok(body)) if body == "ok"));

        let input = b"Content-Length: 12\r\n\r\n{\"big\":true}Content-Length: 2\r\n\r\nok";
        let expected = ["TooLarge { length: 12, max: 10 }", "frame ok"];
        assert_eq!(
            run(&mut ContentLengthCodec::with_max_length(10), &[input]),
            expected
        );
        // The announced length is not trusted: a message that follows sooner is not swallowed.
        let input = b"Content-Length: 1000\r\n\r\n{\"cut\":1}Content-Length: 2\r\n\r\nok";
        let expected = ["TooLarge { length: 1000, max: 10 }", "frame ok"];
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(
            run(&mut ContentLengthCodec::with_max_length(10), &chunks),
            expected
        );
        assert_eq!(
            run(&mut ContentLengthCodec::with_max_length(10), &[input]),
            expected
        );
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(
            run(&mut ContentLengthCodec::with_max_length(10), &chunks),
            expected
        );
    }

    #[test]
    fn decodes_ten_megabyte_body_in_chunks() {
        let body = vec![b'z'; 10 * 1024 * 1024];
        let input = [encode_frame(&body), encode_frame(b"after")].concat();
        let mut codec = ContentLengthCodec::new();
        let mut buffer = BytesMut::new();
        let mut bodies = Vec::new();
        for chunk in input.chunks(64 * 1024 + 7) {
            buffer.extend_from_slice(chunk);
            while let Some(item) = codec.decode(&mut buffer).unwrap() {
                bodies.push(item.unwrap());
            }
        }
        assert_eq!(bodies.len(), 2);
        assert_eq!(bodies[0], body);
        assert_eq!(bodies[1], "after");
    }

    #[test]
    fn trailing_partial_frame_is_dropped_at_eof() {
        check(b"Content-Length: 5\r\n\r\nhel", &[]);
        check(b"Content-Length: 1\r\n\r\naContent-Len", &["frame a"]);
        check(b"Content-Length: 5\r\n", &[]);
    }

    #[test]
    fn encodes_frames() {
        assert_eq!(encode_frame(b"{}"), b"Content-Length: 2\r\n\r\n{}");
        let mut codec = ContentLengthCodec::default();
        let mut buffer = BytesMut::new();
        codec.encode(&b"{\"a\":1}"[..], &mut buffer).unwrap();
        codec
            .encode(Bytes::from_static(b"[]"), &mut buffer)
            .unwrap();
        assert_eq!(
            &buffer[..],
            b"Content-Length: 7\r\n\r\n{\"a\":1}Content-Length: 2\r\n\r\n[]"
        );
        assert!(
            matches!(codec.decode(&mut buffer).unwrap(), Some(Ok(body)) if body == "{\"a\":1}")
        );
        assert!(matches!(codec.decode(&mut buffer).unwrap(), Some(Ok(body)) if body == "[]"));
    }

    const STREAM: &[u8] = b"garbage\r\nContent-Length: 2\r\n\r\n{}Content-Length: x\r\n\r\n\
        Content-Type: text\r\n\r\nContent-Length: 4\r\n\r\nlast";

    fn expected_stream() -> Vec<String> {
        let expected = [
            "Garbage { skipped: 9 }",
            "frame {}",
            "InvalidContentLength(\"x\")",
            "MissingContentLength",
            "frame last",
        ];
        expected.map(String::from).to_vec()
    }

    #[tokio::test]
    async fn framed_read_continues_past_errors() {
        let items: Vec<String> = FramedRead::new(STREAM, ContentLengthCodec::new())
            .map(|item| render(item.expect("no i/o error")))
            .collect()
            .await;
        assert_eq!(items, expected_stream());
    }

    #[tokio::test]
    async fn framed_read_over_tiny_reads() {
        let (mut writer, reader) = tokio::io::duplex(3);
        let writing = tokio::spawn(async move {
            writer.write_all(STREAM).await.unwrap();
        });
        let items: Vec<String> = FramedRead::new(reader, ContentLengthCodec::new())
            .map(|item| render(item.expect("no i/o error")))
            .collect()
            .await;
        writing.await.unwrap();
        assert_eq!(items, expected_stream());
    }
}
