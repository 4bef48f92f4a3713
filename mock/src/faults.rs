//! Scripted faults: what the mock does instead of (or besides) answering a
//! request for an operation, for a number of calls or with a probability
//! drawn from the mock's seed.
//!
//! ```
//! use std::time::Duration;
//! use leadconnector_mock::{Fault, FaultRule};
//!
//! // The next createContact is applied, then its connection dropped.
//! let lost = FaultRule::new("createContact", Fault::DropAfterApply).times(1);
//! // Every getContact waits 2 s; the second and third searches get a 503.
//! let slow = FaultRule::new("getContact", Fault::Delay(Duration::from_secs(2)));
//! let down = FaultRule::new("searchContacts", Fault::Status(503)).after(1).times(2);
//! # let _ = (lost, slow, down);
//! ```

use std::time::Duration;

use crate::ids::Rng;

/// What happens to a request a rule catches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status instead, without applying the request. A
    /// status the operation documents (400, 401, 422) gets the vendor's
    /// error body; 429 gets `Retry-After: 1` and the rate-limit headers;
    /// others a `{statusCode, message}` body.
    Status(u16),
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Apply the request, then answer its documented status with a body
    /// that is not valid JSON (cut off half-way).
    MalformedBody,
    /// Close the connection without an answer, before applying the request.
    DropBeforeApply,
    /// Apply the request, then close the connection without an answer: the
    /// change happened, the client cannot know.
    DropAfterApply,
}

/// A fault for an operation, when it applies.
#[derive(Clone, Debug)]
pub struct FaultRule {
    operation: String,
    fault: Fault,
    skip: u32,
    times: Option<u32>,
    probability: Option<f64>,
}

impl FaultRule {
    /// `fault` for every request of `operation` (its `operationId`, e.g.
    /// `createContact`; `*` for every operation).
    pub fn new(operation: impl Into<String>, fault: Fault) -> Self {
        Self {
            operation: operation.into(),
            fault,
            skip: 0,
            times: None,
            probability: None,
        }
    }

    /// Only for the next `n` requests it catches.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Let the first `n` requests of the operation through first.
    #[must_use]
    pub fn after(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    /// Catch each request with this probability (drawn from the mock's
    /// seed, so a run repeats).
    #[must_use]
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = Some(p.clamp(0.0, 1.0));
        self
    }

    /// The fault.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }
}

/// The rules in force, first added first tried.
#[derive(Debug)]
pub struct Faults {
    rules: Vec<FaultRule>,
    rng: Rng,
}

impl Faults {
    /// No rules; probabilities drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rules: Vec::new(),
            rng: Rng::new(seed ^ 0xFA17_FA17_FA17_FA17),
        }
    }

    /// Adds a rule.
    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The fault for the next request of `operation`, if a rule catches it.
    pub fn take(&mut self, operation: &str) -> Option<Fault> {
        let mut caught = None;
        for rule in &mut self.rules {
            if rule.operation != operation && rule.operation != "*" {
                continue;
            }
            if rule.skip > 0 {
                rule.skip -= 1;
                continue;
            }
            if rule.times == Some(0) {
                continue;
            }
            if let Some(p) = rule.probability {
                let draw = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                if draw >= p {
                    continue;
                }
            }
            if let Some(n) = &mut rule.times {
                *n -= 1;
            }
            caught = Some(rule.fault.clone());
            break;
        }
        self.rules.retain(|r| r.times != Some(0));
        caught
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_count_skip_and_expire() {
        let mut faults = Faults::new(1);
        faults.add(
            FaultRule::new("createContact", Fault::DropAfterApply)
                .after(1)
                .times(2),
        );
        faults.add(FaultRule::new("*", Fault::Status(503)).times(1));
        assert_eq!(faults.take("getContact"), Some(Fault::Status(503)));
        assert_eq!(faults.take("getContact"), None);
        assert_eq!(faults.take("createContact"), None);
        assert_eq!(faults.take("createContact"), Some(Fault::DropAfterApply));
        assert_eq!(faults.take("createContact"), Some(Fault::DropAfterApply));
        assert_eq!(faults.take("createContact"), None);
    }

    #[test]
    fn probabilities_repeat_with_the_seed() {
        let run = |seed| {
            let mut faults = Faults::new(seed);
            faults.add(FaultRule::new("getContact", Fault::Status(502)).probability(0.3));
            (0..200)
                .map(|_| faults.take("getContact").is_some())
                .collect::<Vec<_>>()
        };
        let hits = run(7).iter().filter(|h| **h).count();
        assert!((40..80).contains(&hits), "{hits}");
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
