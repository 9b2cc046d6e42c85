//! Call ids: dotted numbers with the Unix time second to last
//! (`12462.0277.1782402643.44005`).

/// The node Marcador writes in an operation's call ids.
pub fn node(operation_id: i64) -> u32 {
    12_000 + operation_id as u32
}

/// `node.station.unix.sequence`: `node` names the server/operation, `station`
/// the campaign or routing point (4 digits), `sequence` the call within that second's stream.
pub fn format(node: u32, station: u32, unix_seconds: i64, sequence: u64) -> String {
    format!(
        "{node}.{:04}.{unix_seconds}.{}",
        station % 10_000,
        sequence % 100_000
    )
}

/// The Unix second a call id carries, if it is one.
pub fn unix_seconds(conn_id: &str) -> Option<i64> {
    let parts: Vec<&str> = conn_id.split('.').collect();
    if parts.len() < 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    parts[parts.len() - 2].parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn conn_ids_carry_the_unix_time_second_to_last() {
        let id = super::format(12462, 277, 1_782_402_643, 44005);
        assert_eq!(id, "12462.0277.1782402643.44005");
        assert_eq!(super::unix_seconds(&id), Some(1_782_402_643));
        assert_eq!(super::unix_seconds("abc"), None);
    }
}
