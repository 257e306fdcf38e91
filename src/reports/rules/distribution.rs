//! The distribution report's sums: the dimensions it can be grouped by, and its rows grouped. Hubs
//! are places, not people, so no group here is suppressed; the figures built from residents are in
//! the exclusion-risk view.

use super::grouping::{self, Figures};
use crate::reports::models::distribution::{Distribution, DistributionRow};
use crate::reports::models::{Coordinates, Dimension, Group};

pub const DIMENSIONS: &[Dimension] =
    &[Dimension::Scheme, Dimension::Hub, Dimension::Ward, Dimension::Month, Dimension::Quarter];

impl Figures for Distribution {
    fn add(&mut self, o: Self) {
        self.devices_received += o.devices_received;
        self.devices_refurbished += o.devices_refurbished;
        self.devices_sold += o.devices_sold;
        self.sales_refunded += o.sales_refunded;
        self.devices_lent += o.devices_lent;
        self.devices_recycled += o.devices_recycled;
        self.sales_takings_pence += o.sales_takings_pence;
        self.sales_subsidy_pence += o.sales_subsidy_pence;
        self.sims_allocated += o.sims_allocated;
        self.sims_replaced += o.sims_replaced;
        self.sim_data_gb_per_month += o.sim_data_gb_per_month;
        self.loans_active += o.loans_active;
        self.loans_overdue += o.loans_overdue;
    }
}

/// Groups the rows by the dimensions asked for; returns the groups and the grand total.
pub fn group(rows: Vec<DistributionRow>, dims: &[Dimension]) -> (Vec<Group<Distribution>>, Distribution) {
    grouping::group(
        rows.into_iter().map(|r| {
            let at = Coordinates {
                scheme: Some(r.scheme_id),
                month: Some(r.month),
                hub: r.hub_id,
                ward: r.ward_id,
                ..Default::default()
            };
            (at, r.figures)
        }),
        dims,
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::ids::HubId;

    #[test]
    fn rows_of_a_hub_add_up_by_quarter() {
        let hub = HubId::new();
        let row = |month: u32, sold: i64| DistributionRow {
            scheme_id: crate::ids::SchemeId::FIRST,
            month: NaiveDate::from_ymd_opt(2026, month, 1).expect("date"),
            hub_id: Some(hub),
            ward_id: None,
            figures: Distribution { devices_sold: sold, ..Default::default() },
        };
        let (groups, total) = group(vec![row(1, 2), row(3, 1), row(4, 5)], &[Dimension::Hub, Dimension::Quarter]);
        assert_eq!(total.devices_sold, 8);
        let sold: Vec<(String, i64)> =
            groups.iter().map(|g| (g.keys["quarter"].clone(), g.figures.devices_sold)).collect();
        assert_eq!(sold, [("2026-Q1".to_owned(), 3), ("2026-Q2".to_owned(), 5)]);
        assert!(groups.iter().all(|g| g.keys["hub_id"] == hub.to_string()));
    }
}
