//! Word tools: an example native exthost extension. It counts words (honouring the
//! `word-tools.minimumLength` setting), title-cases text, and greets loudly by executing the JavaScript
//! example `hello.say` through the host — native and JavaScript extensions call each other's commands.

use exthost_sdk::{Call, Context, Error, Extension, Host, Result, Value, export_extension, json};

/// The extension. It keeps the host handle to say goodbye on deactivation.
#[derive(Debug, Default)]
pub struct WordTools {
    host: Option<Host>,
}

impl Extension for WordTools {
    fn activate(&mut self, context: &mut Context) -> Result<()> {
        context.register_command("word-tools.count", count)?;
        context.register_command("word-tools.title-case", |call| {
            let text: String = call.argument(0)?;
            Ok(json!(title_case(&text)))
        })?;
        context.register_command("word-tools.greet-loudly", |call| {
            let greeting = call
                .host()
                .execute_command("hello.say", call.arguments().to_vec())?;
            let greeting = greeting
                .as_str()
                .ok_or_else(|| Error::new(format!("hello.say answered {greeting}, not text")))?;
            Ok(json!(greeting.to_uppercase()))
        })?;
        context.host().info("word tools ready");
        self.host = Some(context.host().clone());
        Ok(())
    }

    fn deactivate(&mut self, host: &Host) -> Result<()> {
        host.info("word tools stopped");
        self.host = None;
        Ok(())
    }
}

/// `word-tools.count(text)`: `{words, lines, characters}`; words shorter than the
/// `word-tools.minimumLength` setting are not counted.
fn count(call: &Call<'_>) -> Result<Value> {
    let text: String = call.argument(0)?;
    let minimum = match call.host().configuration("word-tools.minimumLength") {
        Ok(value) => value.as_u64().unwrap_or(1),
        // A host that does not serve settings: use the contributed default.
        Err(error) if error.is_unsupported() => 1,
        Err(error) => return Err(error),
    };
    Ok(json!({
        "words": count_words(&text, minimum),
        "lines": text.lines().count(),
        "characters": text.chars().count(),
    }))
}

/// Words (runs of non-whitespace) with at least `minimum` characters.
fn count_words(text: &str, minimum: u64) -> usize {
    text.split_whitespace()
        .filter(|word| word.chars().count() as u64 >= minimum)
        .count()
}

/// Upper-cases the first letter of every word and lower-cases the rest.
fn title_case(text: &str) -> String {
    let mut result = String::with_capacity(text.len());
    let mut at_word_start = true;
    for character in text.chars() {
        if character.is_whitespace() {
            at_word_start = true;
            result.push(character);
        } else if at_word_start {
            at_word_start = false;
            result.extend(character.to_uppercase());
        } else {
            result.extend(character.to_lowercase());
        }
    }
    result
}

export_extension!(WordTools::default);

#[cfg(test)]
mod tests {
    use exthost_sdk::testing::TestHost;

    use super::*;

    #[test]
    fn counts_words_lines_and_characters_honouring_the_setting() {
        let mut host = TestHost::new().with_setting("word-tools.minimumLength", json!(3));
        host.activate(WordTools::default()).expect("activates");
        assert_eq!(
            host.execute_command("word-tools.count", vec![json!("a cat\nsat on the mat")]),
            Ok(json!({"words": 4, "lines": 2, "characters": 20}))
        );
    }

    #[test]
    fn title_cases_text() {
        let mut host = TestHost::new();
        host.activate(WordTools::default()).expect("activates");
        assert_eq!(
            host.execute_command("word-tools.title-case", vec![json!("hELLO  wide world")]),
            Ok(json!("Hello  Wide World"))
        );
    }

    #[test]
    fn greets_loudly_through_another_extensions_command() {
        let mut host = TestHost::new().with_command("hello.say", |arguments| {
            Ok(json!(format!(
                "Hello, {}!",
                arguments[0].as_str().unwrap_or("world")
            )))
        });
        host.activate(WordTools::default()).expect("activates");
        assert_eq!(
            host.execute_command("word-tools.greet-loudly", vec![json!("Ada")]),
            Ok(json!("HELLO, ADA!"))
        );
        host.deactivate().expect("deactivates");
        assert_eq!(
            host.logs().last().map(|(_, line)| line.as_str()),
            Some("word tools stopped")
        );
    }
}
