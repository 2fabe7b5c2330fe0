//! `#[leash::fallback]` and `#[leash::allow]` leave items unchanged.

#[leash::fallback(reason = "a missing config file means defaults")]
fn config_or_default(text: Option<&str>) -> String {
    text.unwrap_or("default").to_string()
}

#[leash::allow(
    unbounded_channel,
    unbounded_spawn,
    reason = "one task per connection, capped by the listener"
)]
#[derive(Debug, Clone, PartialEq)]
struct Pool {
    size: usize,
}

#[leash::allow(retry, reason = "the group name silences every retry lint")]
impl Pool {
    #[leash::allow(missing_timeout, reason = "local computation only")]
    fn double(&self) -> usize {
        self.size * 2
    }
}

#[leash::allow(budget_exceeds_policy, reason = "batch jobs have a larger budget")]
mod batch {
    pub const LIMIT: usize = 1000;
}

#[leash::fallback(reason = "stale data beats no data for a dashboard")]
#[leash::retry(attempts = 2, backoff = "1ms..1ms")]
fn combined() -> Result<u8, ()> {
    Ok(1)
}

#[test]
fn items_pass_through() {
    assert_eq!(config_or_default(None), "default");
    assert_eq!(config_or_default(Some("x")), "x");
    assert_eq!(Pool { size: 2 }.double(), 4);
    assert_eq!(batch::LIMIT, 1000);
    assert_eq!(combined(), Ok(1));
}
