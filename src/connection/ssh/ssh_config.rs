//! ssh_config (being written).
