//! Network probes: DNS, TCP, TLS, HTTP and ICMP, each bounded by a timeout and each returning
//! what happened (timings, the precise reason for a failure) as plain data.
//!
//! This is machinery: it knows nothing about checks, the runner or the report. Probes are
//! anonymous: nothing here sends a credential.

pub mod dns;
pub mod http;
pub mod icmp;
pub mod tcp;
pub mod tls;

use std::time::Duration;

/// Milliseconds with 0.1 ms precision, the unit evidence uses for timings.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn ms_rounds_to_a_tenth() {
        assert_eq!(super::ms(std::time::Duration::from_micros(1_234_567)), 1234.6);
    }
}
