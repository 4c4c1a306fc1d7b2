//! What every event stream holds: a slot of its account's stream allowance
//! (MM_EVENT_STREAMS_PER_ACCOUNT; 429 beyond) and a check, at each heartbeat, that its caller
//! is still signed in.

use crate::auth::{Caller, recheck};
use crate::error::AppError;
use crate::limits::Slot;
use crate::state::AppState;
use crate::web::sse::Alive;
use std::sync::Arc;

/// A slot for one more stream of the caller's account.
pub fn slot(st: &AppState, caller: &Caller) -> Result<Slot, AppError> {
    let max = st.config.limits.event_streams_per_account;
    st.hub.stream_slot(caller.user.id, max).ok_or_else(|| {
        AppError::TooManyRequests {
            retry_after: 30,
            message: format!(
                "This account already has {max} live update streams open (MM_EVENT_STREAMS_PER_ACCOUNT); close other mm tabs or windows, then reload."
            ),
        }
    })
}

/// The heartbeat check of a stream, holding its slot for as long as the stream lives.
pub fn alive(st: &AppState, caller: &Caller, slot: Slot) -> Alive {
    let (st, caller, slot) = (st.clone(), caller.clone(), Arc::new(slot));
    Box::new(move || {
        let (st, caller, slot) = (st.clone(), caller.clone(), slot.clone());
        Box::pin(async move {
            let _held = slot;
            // A database hiccup is not a logout: the next beat asks again.
            recheck::still_valid(&st, &caller).await.unwrap_or(true)
        })
    })
}
