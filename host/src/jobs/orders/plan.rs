//! Planning one order: its catalogue, offers and the units other orders hold gathered, the
//! component's `plan-order` called, and the plan and its exceptions recorded.

use super::*;

impl OrdersJob {
    /// Plans one order and acts on the plan.
    pub(super) async fn process(
        &mut self,
        order_id: &str,
        order: &RawOrder,
        report: &mut CycleReport,
    ) -> anyhow::Result<()> {
        report.planned += 1;
        if !self.offer_eans_known {
            // Before the first offer listing John Lewis' EANs are unknown: an order decided
            // now would skip the EAN check. It is planned once they have been listed.
            tracing::info!("order {order_id} waits for John Lewis' offer EANs");
            report.deferred += 1;
            return Ok(());
        }
        let (catalogue, offers) = match self.gather(order.offer_skus()).await {
            Ok(input) => input,
            Err(e) => {
                self.reporter.products_unreadable(&e).await?;
                report.deferred += 1;
                return Ok(());
            }
        };
        self.reporter.products_readable().await?;
        let store = self.services.store.clone();
        let committed: Vec<Committed> = match commitments::committed_stock(
            &store,
            &mut self.plugin,
            Some(order_id),
        )
        .await?
        {
            Ok(committed) => committed,
            Err(fault) => {
                self.reporter.plugin_fault(
                        order_id,
                        &fault,
                        "The units other orders hold are not known, so nothing was sent for the order; it is planned again on the next cycle.",
                    )?;
                return Ok(());
            }
        };
        let policy = self.services.config.orders.policy();
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let order = order.json().to_string();
        let result = self
            .plugin
            .call(&format!("order {order_id}"), move |session| {
                session.plan_order(
                    &order,
                    &OrderInput {
                        catalogue: &catalogue,
                        offers: &offers,
                        committed: &committed,
                        policy: &policy,
                        now: &now,
                    },
                )
            })
            .await?;
        let plan = match result {
            Ok(Ok(plan)) => plan,
            Ok(Err(error)) => {
                let fact = Fact::OrderUnusable(Unusable {
                    subject: order_id.to_string(),
                    order_id: order_id.to_string(),
                    error: PlanError {
                        code: error.code,
                        message: error.message,
                    },
                });
                self.reporter.fact(fact).await?;
                return Ok(());
            }
            Err(fault) => {
                self.reporter.plugin_fault(
                    order_id,
                    &fault,
                    "Nothing was sent for the order; it is kept and planned again on the next cycle.",
                )?;
                return Ok(());
            }
        };
        self.record_plan(order_id, &plan)?;
        self.act(order_id, &plan, report).await
    }

    /// Catalogue entries (exact codes fresh from Fulfil, near-spellings from the mirror) and
    /// offer mirror entries for the order's SKUs (`skus`).
    async fn gather(
        &mut self,
        skus: &[String],
    ) -> Result<(Vec<Product>, Vec<Offer>), ProductsError> {
        let mut catalogue: Vec<Product> = self
            .services
            .fulfil
            .products_by_codes(skus)
            .await?
            .into_iter()
            .map(|p| Product {
                sku: p.code,
                ean: p.ean,
                available: floor_units(p.quantity_available),
            })
            .collect();
        let mut codes: Vec<String> = skus.to_vec();
        let asked = skus.to_vec();
        let keys = match self
            .plugin
            .call(&format!("the SKUs {}", skus.join(", ")), move |session| {
                session.sku_keys(&asked)
            })
            .await
        {
            Ok(Ok(keys)) => keys,
            Ok(Err(fault)) => {
                tracing::warn!("near-spellings not looked up: {fault}");
                Vec::new()
            }
            Err(e) => {
                tracing::warn!("near-spellings not looked up: {e:#}");
                Vec::new()
            }
        };
        for key in keys {
            for near in self
                .services
                .store
                .catalogue_by_key(&key)
                .unwrap_or_default()
            {
                if !catalogue.iter().any(|p| p.sku == near.code) {
                    codes.push(near.code.clone());
                    catalogue.push(Product {
                        sku: near.code,
                        ean: near.ean,
                        available: floor_units(near.available),
                    });
                }
            }
        }
        let offers = self
            .services
            .store
            .offers_for(&codes)
            .unwrap_or_default()
            .into_iter()
            .map(|o| Offer {
                sku: o.sku,
                ean: o.ean,
            })
            .collect();
        Ok((catalogue, offers))
    }

    /// Stores the plan and syncs the exception queue with it.
    pub(super) fn record_plan(&self, order_id: &str, plan: &OrderPlan) -> anyhow::Result<()> {
        let store = &self.services.store;
        store.set_order_plan(order_id, &plan.to_json())?;
        settle(store, &plan.exceptions, &plan.resolves)
    }
}

/// Whole units available to promise (Fulfil quantities can be fractional or negative).
fn floor_units(quantity: f64) -> i64 {
    if quantity.is_finite() {
        quantity.floor().clamp(i64::MIN as f64, i64::MAX as f64) as i64
    } else {
        0
    }
}
