//! The first-run setup link's secret: printed in the log at start while no account
//! exists, good for creating the first one.

use std::sync::{Arc, Mutex};

use crate::auth::constant_time_eq;

/// The one-time secret in the first-run setup link, while no user exists.
#[derive(Clone, Debug, Default)]
pub struct SetupToken(Arc<Mutex<Option<String>>>);

impl SetupToken {
    /// A fresh token: 128 random bits in hex, unlike an API token so the two are not
    /// mistaken for each other.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        Self(Arc::new(Mutex::new(Some(hex::encode(bytes)))))
    }

    pub fn get(&self) -> Option<String> {
        self.lock().clone()
    }

    pub fn matches(&self, candidate: &str) -> bool {
        self.lock()
            .as_deref()
            .is_some_and(|t| constant_time_eq(t.as_bytes(), candidate.as_bytes()))
    }

    pub fn clear(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
