//! A campaign's record filter (campaign.php's `campaign_filter`): conditions
//! on record fields, joined by AND or OR, kept on the campaign as JSON and
//! applied by the dialer's pick (and by the count of records it leaves to
//! dial). Field names come from the wire crate's list, values are bound:
//! nothing a caller sends is written into SQL.

use serde::{Deserialize, Serialize};

use super::Backend;
use super::rowset::Bind;

/// How a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterOp {
    Lt,
    Gt,
    Ge,
    Le,
    Ne,
    Eq,
    /// The field is empty.
    IsEmpty,
    /// The field holds something.
    IsFilled,
    /// SQL `LIKE` (`%`, `_`), case-insensitive.
    Like,
}

/// One condition: a record field (one of [`marcador_wire::campaign::filter::FIELDS`]),
/// how it compares, and the value (for `result`, the stored result or `""`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterCondition {
    pub field: String,
    pub op: FilterOp,
    pub value: String,
}

/// A campaign's filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordFilter {
    /// OR between conditions (else AND).
    pub any: bool,
    pub conditions: Vec<FilterCondition>,
}

impl RecordFilter {
    /// ` AND (…)` over records `r`, its values bound from `$first` on; empty
    /// for a filter without conditions.
    pub(super) fn sql(&self, backend: Backend, first: usize) -> (String, Vec<Bind>) {
        let mut parts = Vec::new();
        let mut binds = Vec::new();
        for c in &self.conditions {
            let Some(column) = column(&c.field) else {
                continue;
            };
            let n = first + binds.len();
            let number = c.value.trim().parse::<f64>().ok().filter(|v| v.is_finite());
            let cmp = |sym: &str, binds: &mut Vec<Bind>| match number {
                // A number compares as one: non-numeric fields never match.
                Some(v) => {
                    binds.push(Bind::Float(v));
                    format!("{} {sym} ${n}", backend.numeric(&column))
                }
                None => {
                    binds.push(Bind::Text(c.value.clone()));
                    format!("{column} {sym} ${n}")
                }
            };
            parts.push(match c.op {
                FilterOp::Lt => cmp("<", &mut binds),
                FilterOp::Gt => cmp(">", &mut binds),
                FilterOp::Ge => cmp(">=", &mut binds),
                FilterOp::Le => cmp("<=", &mut binds),
                FilterOp::Eq => {
                    binds.push(Bind::Text(c.value.clone()));
                    format!("{column} = ${n}")
                }
                FilterOp::Ne => {
                    binds.push(Bind::Text(c.value.clone()));
                    format!("{column} <> ${n}")
                }
                FilterOp::IsEmpty => format!("{column} = ''"),
                FilterOp::IsFilled => format!("{column} <> ''"),
                FilterOp::Like => {
                    binds.push(Bind::Text(c.value.clone()));
                    format!("LOWER({column}) LIKE LOWER(${n})")
                }
            });
        }
        if parts.is_empty() {
            return (String::new(), binds);
        }
        let joiner = if self.any { " OR " } else { " AND " };
        (format!(" AND ({})", parts.join(joiner)), binds)
    }
}

/// The SQL of a filterable field of `records r`: one of a fixed list.
fn column(field: &str) -> Option<String> {
    use marcador_wire::campaign::filter::{FIELDS, RESULT};
    if field == RESULT {
        return Some("COALESCE(r.last_result, '')".to_owned());
    }
    FIELDS.contains(&field).then(|| format!("r.{field}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_become_bound_sql_and_unknown_fields_nothing() {
        let f = RecordFilter {
            any: false,
            conditions: vec![
                FilterCondition {
                    field: "city".into(),
                    op: FilterOp::Eq,
                    value: "Cali".into(),
                },
                FilterCondition {
                    field: "opt1".into(),
                    op: FilterOp::Gt,
                    value: "100000".into(),
                },
                FilterCondition {
                    field: "result".into(),
                    op: FilterOp::IsEmpty,
                    value: String::new(),
                },
                FilterCondition {
                    field: "r.id; DROP TABLE records".into(),
                    op: FilterOp::Eq,
                    value: "x".into(),
                },
            ],
        };
        let (sql, binds) = f.sql(Backend::Sqlite, 7);
        assert!(sql.starts_with(" AND (r.city = $7 AND "), "{sql}");
        assert!(sql.contains("> $8"), "{sql}");
        assert!(sql.contains("COALESCE(r.last_result, '') = ''"), "{sql}");
        assert!(!sql.contains("DROP"), "{sql}");
        assert_eq!(binds, [Bind::Text("Cali".into()), Bind::Float(100_000.0)]);
        let none = RecordFilter {
            any: true,
            conditions: vec![],
        };
        assert_eq!(none.sql(Backend::Postgres, 1).0, "");
    }
}
