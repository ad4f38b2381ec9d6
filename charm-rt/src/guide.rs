//! The user guide's chapters (`docs/*.md`) as doctests, so that every Rust snippet in them
//! compiles and runs against the current API.

#[doc = include_str!("../../docs/getting-started.md")]
mod getting_started {}

#[doc = include_str!("../../docs/chares-and-entry-methods.md")]
mod chares_and_entry_methods {}

#[doc = include_str!("../../docs/collections-and-proxies.md")]
mod collections_and_proxies {}

#[doc = include_str!("../../docs/futures-and-coroutines.md")]
mod futures_and_coroutines {}

#[doc = include_str!("../../docs/channels.md")]
mod channels {}

#[doc = include_str!("../../docs/conditional-delivery.md")]
mod conditional_delivery {}

#[doc = include_str!("../../docs/load-balancing.md")]
mod load_balancing {}

#[doc = include_str!("../../docs/globals.md")]
mod globals {}

#[doc = include_str!("../../docs/performance.md")]
mod performance {}

#[doc = include_str!("../../docs/quiescence.md")]
mod quiescence {}

#[doc = include_str!("../../docs/reductions.md")]
mod reductions {}

#[doc = include_str!("../../docs/sections.md")]
mod sections {}
