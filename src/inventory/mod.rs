//! Ansible-compatible inventory (being written).
