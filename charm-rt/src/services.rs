//! The runtime's services, assembled: each registers its message handlers and hooks with the
//! scheduler here, and nowhere else. A new service (or a new kind of message in one) is a
//! change in that service and, for a new service, one line below.

use crate::scheduler::Services;
use std::sync::OnceLock;

/// Every service's handlers and hooks, built once per process.
pub(crate) fn all() -> &'static Services {
    static ALL: OnceLock<Services> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut s = Services::default();
        crate::collections::service::register(&mut s);
        crate::future::service::register(&mut s);
        crate::reduction::service::register(&mut s);
        crate::sections::register(&mut s);
        crate::channel::register(&mut s);
        crate::globals::register(&mut s);
        crate::location::register(&mut s);
        crate::lb::register(&mut s);
        crate::location::set_carriers(vec![crate::channel::carrier(), crate::lb::carrier()]);
        s
    })
}

#[cfg(test)]
mod test {
    #[test]
    fn every_service_has_its_own_handler_ids() {
        // Building the table panics when two services claim one id.
        let s = super::all();
        let names: Vec<&str> = s.registered().map(|(_, h)| h.name).collect();
        for expected in [
            "element call",
            "broadcast",
            "collection creation",
            "future value",
            "reduction",
            "section",
            "channel value",
            "global value",
            "exit",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
    }
}
