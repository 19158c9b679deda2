//! Access-control layers in front of the API server: reading them, evaluating them over address
//! ranges, and writing fixes in each layer's own syntax.

pub mod fix;
