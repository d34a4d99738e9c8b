//! Document changes held back from a runtime whose extension does not listen to them
//! (`workspace.onDidChangeTextDocument`): one keystroke then wakes only the extensions that listen.
//!
//! A [`ChangeGate`] sits in every [`RuntimeHandle`](super::RuntimeHandle)'s send path. While the runtime
//! listens (the shim reports its first listener and its last one's disposal, see
//! `HostOperation::DocumentChangeListeners`), every `documentChanged` event goes out at once, as in VS Code.
//! While it does not, the events are held ([`HeldChanges`], in order, consecutive changes of one document
//! merged into one event carrying all their content changes and the last version) and go out, before it,
//! with the next thing sent to the runtime (any request or other event: a hover sees the changed text), when
//! the runtime starts listening, when more than [`MAX_HELD_CHANGES`] changes or [`MAX_HELD_BYTES`] of
//! inserted text are held, and at the latest [`FLUSH_DELAY`] after the first held change (a timer), so a
//! timer-driven reader of `document.getText()` sees the text at most that late.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{RuntimeRequest, SessionEvent};

/// How long a held change may wait at most before it is delivered anyway (from the first change held).
pub const FLUSH_DELAY: Duration = Duration::from_millis(500);

/// Held content changes past which they are delivered at once (memory stays bounded however long the
/// user types into a document nobody listens to).
pub const MAX_HELD_CHANGES: usize = 1024;

/// Inserted text (bytes) held past which the changes are delivered at once.
pub const MAX_HELD_BYTES: usize = 256 * 1024;

/// The `documentChanged` events held for one runtime, in order.
#[derive(Debug, Default)]
pub struct HeldChanges {
    events: Vec<HeldEvent>,
    changes: usize,
    bytes: usize,
}

/// One held event: a document's consecutive changes.
#[derive(Debug)]
struct HeldEvent {
    uri: String,
    version: Value,
    changes: Vec<Value>,
    bytes: usize,
}

/// The bytes of inserted text of one LSP content change.
fn change_bytes(change: &Value) -> usize {
    change
        .get("text")
        .and_then(Value::as_str)
        .map_or(0, str::len)
}

impl HeldChanges {
    /// Holds one `documentChanged` payload (`{uri, version, changes}`), merged into the last held event
    /// when that is the same document's. A payload of another shape is handed back (to be sent as it is).
    pub fn hold(&mut self, payload: Value) -> Result<(), Value> {
        let well_formed = payload.as_object().is_some_and(|fields| {
            fields.len() == 3
                && fields.get("uri").is_some_and(Value::is_string)
                && fields.contains_key("version")
                && fields.get("changes").is_some_and(Value::is_array)
        });
        if !well_formed {
            return Err(payload);
        }
        let Value::Object(mut fields) = payload else {
            unreachable!("checked above: the payload is an object");
        };
        let (Some(Value::String(uri)), Some(version), Some(Value::Array(mut changes))) = (
            fields.remove("uri"),
            fields.remove("version"),
            fields.remove("changes"),
        ) else {
            unreachable!(
                "checked above: the payload has a string uri, a version and a changes array"
            );
        };
        // A change without a range replaces the whole text: what came before it no longer matters.
        let whole = changes
            .iter()
            .rposition(|change| change.get("range").is_none());
        if let Some(whole) = whole {
            changes.drain(..whole);
        }
        let bytes: usize = changes.iter().map(change_bytes).sum();
        match self.events.last_mut() {
            Some(last) if last.uri == uri => {
                if whole.is_some() {
                    self.changes -= last.changes.len();
                    self.bytes -= last.bytes;
                    last.changes.clear();
                    last.bytes = 0;
                }
                self.changes += changes.len();
                self.bytes += bytes;
                last.changes.extend(changes);
                last.bytes += bytes;
                last.version = version;
            }
            _ => {
                self.changes += changes.len();
                self.bytes += bytes;
                self.events.push(HeldEvent {
                    uri,
                    version,
                    changes,
                    bytes,
                });
            }
        }
        Ok(())
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Whether so much is held that it must go out now.
    pub fn is_full(&self) -> bool {
        self.changes > MAX_HELD_CHANGES || self.bytes > MAX_HELD_BYTES
    }

    /// How many content changes are held.
    pub fn change_count(&self) -> usize {
        self.changes
    }

    /// Takes every held event, in order, as `documentChanged` payloads.
    pub fn take(&mut self) -> Vec<Value> {
        self.changes = 0;
        self.bytes = 0;
        self.events
            .drain(..)
            .map(|event| json!({"uri": event.uri, "version": event.version, "changes": event.changes}))
            .collect()
    }
}

/// What the gate knows of one runtime.
#[derive(Debug)]
struct GateState {
    listening: bool,
    held: HeldChanges,
    /// When the held changes go out at the latest (`None`: nothing held, no timer wanted).
    deadline: Option<Instant>,
}

/// Decides, for one runtime, which requests go out now and which `documentChanged` events wait (see the
/// module's comment). Its lock is held while a request is queued, so what it lets through keeps its order.
#[derive(Debug)]
pub struct ChangeGate {
    state: Mutex<GateState>,
}

impl Default for ChangeGate {
    fn default() -> Self {
        Self::new(true)
    }
}

/// A sink for the requests the gate lets through, in order.
pub type Sink<'a> = dyn FnMut(RuntimeRequest) + 'a;

impl ChangeGate {
    /// A gate for a runtime that listens to changes from the start (`listening`) or not.
    pub fn new(listening: bool) -> Self {
        Self {
            state: Mutex::new(GateState {
                listening,
                held: HeldChanges::default(),
                deadline: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state
            .lock()
            .expect("invariant: the change gate's lock is never poisoned")
    }

    /// Lets `request` through `send` — after every held change — or holds it (a `documentChanged` event
    /// for a runtime that does not listen). Answers the deadline of a timer to start, when holding it
    /// began a wait.
    pub fn admit(&self, request: RuntimeRequest, send: &mut Sink<'_>) -> Option<Instant> {
        let mut state = self.lock();
        let request = match request {
            RuntimeRequest::Event { name, payload }
                if name == SessionEvent::DOCUMENT_CHANGED && !state.listening =>
            {
                match state.held.hold(payload) {
                    Ok(()) if state.held.is_full() => {
                        flush(&mut state, send);
                        return None;
                    }
                    Ok(()) => {
                        if state.deadline.is_some() {
                            return None;
                        }
                        let deadline = Instant::now() + FLUSH_DELAY;
                        state.deadline = Some(deadline);
                        return Some(deadline);
                    }
                    Err(payload) => RuntimeRequest::Event { name, payload },
                }
            }
            other => other,
        };
        flush(&mut state, send);
        send(request);
        None
    }

    /// The runtime's extension starts (`true`) or stops listening to changes; starting delivers what is
    /// held at once.
    pub fn set_listening(&self, listening: bool, send: &mut Sink<'_>) {
        let mut state = self.lock();
        state.listening = listening;
        if listening {
            flush(&mut state, send);
        }
    }

    /// The timer of `deadline` has run out: delivers what is held, unless it went out meanwhile (a later
    /// hold then started a timer of its own).
    pub fn deadline_passed(&self, deadline: Instant, send: &mut Sink<'_>) {
        let mut state = self.lock();
        if state.deadline == Some(deadline) {
            flush(&mut state, send);
        }
    }
}

/// Sends every held change, in order.
fn flush(state: &mut GateState, send: &mut Sink<'_>) {
    state.deadline = None;
    if state.held.is_empty() {
        return;
    }
    for payload in state.held.take() {
        send(RuntimeRequest::Event {
            name: SessionEvent::DOCUMENT_CHANGED.to_owned(),
            payload,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(uri: &str, version: i64, line: u32, text: &str) -> Value {
        json!({"uri": uri, "version": version, "changes": [{
            "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
            "text": text,
        }]})
    }

    fn event(payload: Value) -> RuntimeRequest {
        RuntimeRequest::Event {
            name: SessionEvent::DOCUMENT_CHANGED.to_owned(),
            payload,
        }
    }

    fn collect(
        gate: &ChangeGate,
        request: RuntimeRequest,
    ) -> (Vec<RuntimeRequest>, Option<Instant>) {
        let mut sent = Vec::new();
        let timer = gate.admit(request, &mut |request| sent.push(request));
        (sent, timer)
    }

    #[test]
    fn consecutive_changes_of_one_document_merge_in_order_with_the_last_version() {
        let mut held = HeldChanges::default();
        held.hold(change("file:///a", 2, 0, "x")).unwrap();
        held.hold(change("file:///a", 3, 1, "y")).unwrap();
        held.hold(change("file:///b", 7, 0, "z")).unwrap();
        held.hold(change("file:///a", 4, 2, "w")).unwrap();
        assert_eq!(held.change_count(), 4);
        let events = held.take();
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(events[0]["uri"], "file:///a");
        assert_eq!(events[0]["version"], 3);
        let texts: Vec<&str> = events[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|change| change["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts, ["x", "y"]);
        assert_eq!(events[0]["changes"][1]["range"]["start"]["line"], 1);
        assert_eq!(events[1]["uri"], "file:///b");
        assert_eq!(events[1]["version"], 7);
        assert_eq!(events[2]["version"], 4);
        assert!(held.is_empty());
        assert_eq!(held.change_count(), 0);
    }

    #[test]
    fn a_whole_text_change_drops_what_it_replaces() {
        let mut held = HeldChanges::default();
        held.hold(change("file:///a", 2, 0, "x")).unwrap();
        held.hold(json!({"uri": "file:///a", "version": 3, "changes": [{"text": "all new"}]}))
            .unwrap();
        held.hold(change("file:///a", 4, 0, "y")).unwrap();
        assert_eq!(held.change_count(), 2);
        let events = held.take();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["version"], 4);
        assert_eq!(events[0]["changes"][0], json!({"text": "all new"}));
        assert_eq!(events[0]["changes"][1]["text"], "y");
    }

    #[test]
    fn a_payload_of_another_shape_is_not_held() {
        let mut held = HeldChanges::default();
        let odd = json!({"uri": "file:///a", "version": 1, "changes": [], "text": "x"});
        assert_eq!(held.hold(odd.clone()), Err(odd));
        assert!(held.is_empty());
    }

    #[test]
    fn a_listening_runtime_gets_each_change_at_once() {
        let gate = ChangeGate::new(true);
        let (sent, timer) = collect(&gate, event(change("file:///a", 2, 0, "x")));
        assert_eq!(sent, [event(change("file:///a", 2, 0, "x"))]);
        assert_eq!(timer, None);
    }

    #[test]
    fn held_changes_go_out_before_the_next_request_in_order() {
        let gate = ChangeGate::new(false);
        let (sent, timer) = collect(&gate, event(change("file:///a", 2, 0, "x")));
        assert!(sent.is_empty());
        assert!(timer.is_some(), "the first held change starts a timer");
        let (sent, timer) = collect(&gate, event(change("file:///a", 3, 0, "y")));
        assert!(sent.is_empty());
        assert_eq!(timer, None, "one timer for what is held");
        let hover = RuntimeRequest::Cancel { token: 9 };
        let (sent, _) = collect(&gate, hover.clone());
        assert_eq!(sent.len(), 2);
        let RuntimeRequest::Event { payload, .. } = &sent[0] else {
            panic!("{sent:?}")
        };
        assert_eq!(payload["version"], 3);
        assert_eq!(payload["changes"].as_array().unwrap().len(), 2);
        assert_eq!(sent[1], hover);
        let (sent, _) = collect(&gate, hover.clone());
        assert_eq!(sent, [hover], "nothing is sent twice");
    }

    #[test]
    fn the_timer_delivers_unless_something_did_first() {
        let gate = ChangeGate::new(false);
        let (_, first) = collect(&gate, event(change("file:///a", 2, 0, "x")));
        let first = first.unwrap();
        // Delivered by a request; a later change starts a timer of its own.
        collect(&gate, RuntimeRequest::Cancel { token: 1 });
        let (_, second) = collect(&gate, event(change("file:///a", 3, 0, "y")));
        let second = second.unwrap();
        let mut sent = Vec::new();
        gate.deadline_passed(first, &mut |request| sent.push(request));
        assert!(sent.is_empty(), "the first timer is stale");
        gate.deadline_passed(second, &mut |request| sent.push(request));
        assert_eq!(sent, [event(change("file:///a", 3, 0, "y"))]);
    }

    #[test]
    fn starting_to_listen_delivers_what_is_held_and_lets_the_next_through() {
        let gate = ChangeGate::new(false);
        collect(&gate, event(change("file:///a", 2, 0, "x")));
        let mut sent = Vec::new();
        gate.set_listening(true, &mut |request| sent.push(request));
        assert_eq!(sent, [event(change("file:///a", 2, 0, "x"))]);
        let (sent, _) = collect(&gate, event(change("file:///a", 3, 0, "y")));
        assert_eq!(sent, [event(change("file:///a", 3, 0, "y"))]);
        gate.set_listening(false, &mut |_| panic!("nothing to send"));
        let (sent, _) = collect(&gate, event(change("file:///a", 4, 0, "z")));
        assert!(sent.is_empty());
    }

    #[test]
    fn memory_stays_bounded_while_nobody_listens() {
        let gate = ChangeGate::new(false);
        let mut delivered = 0;
        let mut most_held = 0;
        let mut version = 1;
        for _ in 0..10 * MAX_HELD_CHANGES {
            version += 1;
            let (sent, _) = collect(&gate, event(change("file:///a", version, 0, "x")));
            delivered += sent.len();
            most_held = most_held.max(gate.lock().held.change_count());
        }
        assert!(delivered >= 9, "delivered {delivered} times");
        assert!(most_held <= MAX_HELD_CHANGES, "held {most_held}");
        let big = "x".repeat(MAX_HELD_BYTES + 1);
        let (sent, _) = collect(&gate, event(change("file:///a", version + 1, 0, &big)));
        assert_eq!(sent.len(), 1, "a large insertion goes out at once");
    }
}
