//! Planning a publication or a correction: the component's `plan-stock` or
//! `reconcile-stock` over the snapshot, the ledger, the offer mirror and the units held for
//! orders not yet in Fulfil; the plan's exceptions recorded.

use super::*;

impl StockJob {
    /// Plans with the ledger for `skus` and the offer mirror; raises the plan's exceptions.
    pub(super) async fn plan(
        &mut self,
        snapshot: &[StockLevel],
        skus: &[String],
        full: bool,
    ) -> anyhow::Result<StockPlan> {
        let ledger: Vec<Published> = self
            .services
            .store
            .ledger_for(skus)?
            .into_iter()
            .map(|e| Published {
                sku: e.sku,
                warehouse: e.warehouse,
                quantity: e.quantity,
            })
            .collect();
        self.plan_against(snapshot, ledger, Planning::Publish { full })
            .await
    }

    /// Plans against an explicit ledger (for a reconciliation: what John Lewis shows) and
    /// raises the plan's exceptions.
    pub(super) async fn plan_against(
        &mut self,
        snapshot: &[StockLevel],
        ledger: Vec<Published>,
        planning: Planning,
    ) -> anyhow::Result<StockPlan> {
        let offers = self.services.store.offer_skus()?;
        let offers = (!offers.is_empty()).then_some(offers);
        let policy = self.services.config.stock.policy();
        let committed = self.committed().await?;
        let snapshot = snapshot.to_vec();
        let record = format!("the stock plan of {} SKUs", snapshot.len());
        let planned = self
            .plugin
            .call(&record, move |session| match planning {
                Planning::Publish { full } => session.plan_stock(
                    snapshot,
                    ledger,
                    offers.as_deref(),
                    &policy,
                    &committed,
                    full,
                ),
                Planning::Reconcile => session.reconcile_stock(
                    snapshot,
                    ledger,
                    offers.as_deref(),
                    &policy,
                    &committed,
                ),
            })
            .await?;
        let planned = match planned {
            Ok(planned) => planned,
            Err(fault) => {
                self.reporter.plugin_fault(
                    "stock",
                    &fault,
                    "No stock was published; the changes stay queued and are planned again next interval.",
                )?;
                return Err(fault.into());
            }
        };
        let plan = match planned {
            Ok(plan) => plan,
            Err(e) => anyhow::bail!(
                "the stock policy or snapshot is unusable: {}: {}",
                e.code,
                e.message
            ),
        };
        settle(&self.services.store, &plan.exceptions, &plan.resolves)?;
        Ok(plan)
    }

    /// The units John Lewis holds for orders Fulfil does not have yet, kept for
    /// `jlm stock status`; a component fault stops the plan (what is held is not known).
    pub(super) async fn committed(&mut self) -> anyhow::Result<Vec<Committed>> {
        let store = self.services.store.clone();
        match commitments::committed_stock(&store, &mut self.plugin, None).await? {
            Ok(committed) => {
                self.held_for_orders = committed
                    .iter()
                    .map(|c| (c.sku.clone(), c.quantity))
                    .collect();
                Ok(committed)
            }
            Err(fault) => {
                self.reporter.plugin_fault(
                    "stock",
                    &fault,
                    "No stock was published; the changes stay queued and are planned again next interval.",
                )?;
                Err(fault.into())
            }
        }
    }
}

/// The SKUs of a snapshot.
pub(super) fn plan_skus(snapshot: &[StockLevel]) -> HashSet<String> {
    snapshot.iter().map(|s| s.sku.clone()).collect()
}
