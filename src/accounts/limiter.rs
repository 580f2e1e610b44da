//! Failed sign-ins, counted per account and per client address.
//!
//! An account takes `per_account` failures in the window, from anywhere; an address
//! takes `per_address`, across every name it tries. A success clears that account's
//! failures only: signing into one's own account does not buy guesses at another's, and
//! one address's failures do not lock out other people's accounts.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::LoginLimits;

/// How many names or addresses are remembered before the ones not waiting are forgotten.
const MAX_KEYS: usize = 10_000;

#[derive(Clone, Debug, Default)]
pub struct LoginLimiter {
    limits: LoginLimits,
    failures: Arc<Mutex<Failures>>,
}

#[derive(Debug, Default)]
struct Failures {
    by_account: HashMap<String, Vec<Instant>>,
    by_address: HashMap<IpAddr, Vec<Instant>>,
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        Self {
            limits,
            failures: Arc::default(),
        }
    }

    /// Seconds to wait before trying again, if this account or this address must wait.
    pub fn wait(&self, account: &str, ip: IpAddr) -> Option<u64> {
        let window = self.limits.window;
        let mut failures = self.lock();
        let by_account = wait_for(
            &mut failures.by_account,
            &account_key(account),
            self.limits.per_account,
            window,
        );
        let by_address = wait_for(
            &mut failures.by_address,
            &address_key(ip),
            self.limits.per_address,
            window,
        );
        by_account.max(by_address)
    }

    pub fn failed(&self, account: &str, ip: IpAddr) {
        let window = self.limits.window;
        let mut failures = self.lock();
        record(
            &mut failures.by_account,
            account_key(account),
            self.limits.per_account,
            window,
        );
        record(
            &mut failures.by_address,
            address_key(ip),
            self.limits.per_address,
            window,
        );
    }

    /// Clears the account's failures; the address keeps its count.
    pub fn succeeded(&self, account: &str) {
        self.lock().by_account.remove(&account_key(account));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Failures> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn wait_for<K: Hash + Eq + Clone>(
    map: &mut HashMap<K, Vec<Instant>>,
    key: &K,
    limit: usize,
    window: Duration,
) -> Option<u64> {
    let failures = map.get_mut(key)?;
    failures.retain(|at| at.elapsed() < window);
    if failures.is_empty() {
        map.remove(key);
        return None;
    }
    (failures.len() >= limit).then(|| {
        let oldest = failures.first().map_or(Duration::ZERO, Instant::elapsed);
        window.saturating_sub(oldest).as_secs().max(1)
    })
}

fn record<K: Hash + Eq>(
    map: &mut HashMap<K, Vec<Instant>>,
    key: K,
    limit: usize,
    window: Duration,
) {
    if map.len() >= MAX_KEYS {
        // Bound the memory many names or addresses can take: forget what has expired,
        // then, if still too many, the counts that do not hold anyone back yet.
        map.retain(|_, v| v.iter().any(|at| at.elapsed() < window));
        if map.len() >= MAX_KEYS {
            map.retain(|_, v| v.len() >= limit);
        }
    }
    let failures = map.entry(key).or_default();
    failures.push(Instant::now());
    if failures.len() > limit {
        let extra = failures.len() - limit;
        failures.drain(..extra);
    }
}

/// Names are counted as typed, trimmed and case-folded, whether or not an account has it
/// (so that a 429 does not tell which names exist).
fn account_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// An IPv6 client usually holds a whole /64; it counts as one address.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            IpAddr::V6((u128::from(v6) & (u128::MAX << 64)).into())
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(LoginLimits {
            per_account: 3,
            per_address: 5,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn an_account_waits_after_its_failures_from_any_address() {
        let limiter = limiter();
        for i in 0..3u8 {
            assert_eq!(limiter.wait("Bob", IpAddr::from([10, 0, 0, i])), None);
            limiter.failed(" bob ", IpAddr::from([10, 0, 0, i]));
        }
        assert!(limiter.wait("BOB", IpAddr::from([10, 9, 9, 9])).is_some());
        assert_eq!(limiter.wait("anna", IpAddr::from([10, 0, 0, 0])), None);
    }

    #[test]
    fn an_address_waits_after_failures_across_names_and_a_success_does_not_clear_it() {
        let limiter = limiter();
        let ip = IpAddr::from([192, 0, 2, 1]);
        for i in 0..5 {
            limiter.failed(&format!("name{i}"), ip);
            limiter.succeeded(&format!("name{i}"));
        }
        assert!(limiter.wait("someone", ip).is_some());
        assert_eq!(limiter.wait("someone", IpAddr::from([192, 0, 2, 2])), None);
    }

    #[test]
    fn one_ipv6_network_counts_as_one_address() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        assert_eq!(address_key(a), address_key(b));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
        assert_eq!(address_key(mapped), IpAddr::from([192, 0, 2, 1]));
    }
}
