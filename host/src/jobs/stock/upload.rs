//! Publishing: the queue drained into one STO01 file, its import followed (STO02) and its
//! error report (STO03) read, each outcome recorded.

use super::plan::plan_skus;
use super::*;

impl StockJob {
    /// Drains the queue, plans and uploads one STO01 file. Nothing is drained while the
    /// configured warehouses are not all Fulfil's: the webhooks' quantities would count none.
    pub(super) async fn upload(&mut self) -> anyhow::Result<Option<usize>> {
        if let Err(e @ ProductsError::UnknownWarehouses(_)) =
            self.services.fulfil.counted_locations().await
        {
            self.reporter.products_unreadable(&e).await?;
            // Try again an interval later, not on every tick.
            self.last_upload = Some(Instant::now());
            return Ok(None);
        }
        let changes = self.events.drain();
        let skus: Vec<String> = changes.iter().map(|c| c.sku.clone()).collect();
        let snapshot: Vec<StockLevel> = changes
            .iter()
            .map(|c| StockLevel {
                sku: c.sku.clone(),
                warehouse: None,
                available: c.available,
            })
            .collect();
        let plan = match self.plan(&snapshot, &skus, false).await {
            Ok(plan) => plan,
            Err(e) => {
                self.events.requeue(changes);
                return Err(e);
            }
        };
        if plan.lines.is_empty() {
            // Nothing John Lewis does not already show: those changes are published.
            self.observe(&changes, &plan_skus(&snapshot));
            self.events.settle(&changes)?;
            return Ok(None);
        }
        // Recorded before the call: a run started after this one stopped (even mid-call)
        // still waits out the interval Mirakl measures.
        self.services
            .store
            .set_cursor(LAST_UPLOAD_CURSOR, &Utc::now().to_rfc3339())?;
        let uploaded = self.services.mirakl.upload_stock(&plan.csv).await;
        // The interval runs from the answer, not the request: Mirakl measures arrivals, and
        // the next request cannot arrive before this one was answered.
        self.last_upload = Some(Instant::now());
        self.services
            .store
            .set_cursor(LAST_UPLOAD_CURSOR, &Utc::now().to_rfc3339())?;
        match uploaded {
            Ok(import_id) => {
                self.services
                    .store
                    .record_stock_import(&import_id, &plan.csv, plan.lines.len())?;
                self.services.store.audit(
                    "sto01.uploaded",
                    &import_id,
                    &format!("{} lines", plan.lines.len()),
                )?;
                self.metrics
                    .inc("jlm_stock_uploads_total", &[("outcome", "accepted")]);
                self.reporter.reachable(Service::Mirakl).await?;
                let lines = plan.lines.len();
                self.in_flight = Some(InFlight {
                    import_id,
                    lines: plan.lines,
                    changes,
                    last_poll: None,
                });
                Ok(Some(lines))
            }
            Err(e) => {
                // Absolute quantities: sending them again is harmless, so every failure
                // (even an unknown outcome) is merged into the next upload.
                self.events.requeue(changes);
                self.metrics
                    .inc("jlm_stock_uploads_total", &[("outcome", "failed")]);
                match &e {
                    ApiError::Rejected { .. } => {
                        self.reporter
                            .fact(Fact::StockFileRejected(e.to_string()))
                            .await?;
                    }
                    _ => {
                        self.reporter.unavailable(Service::Mirakl, &e).await?;
                    }
                }
                Ok(None)
            }
        }
    }

    /// Polls the import in flight (STO02) and, once finished, records the outcome.
    pub(super) async fn follow_import(&mut self) -> anyhow::Result<Option<(usize, usize)>> {
        let Some(flight) = self.in_flight.as_mut() else {
            return Ok(None);
        };
        let status_interval = self.services.config.stock_sync.status_interval.0;
        if flight
            .last_poll
            .is_some_and(|p| p.elapsed() < status_interval)
        {
            return Ok(None);
        }
        flight.last_poll = Some(Instant::now());
        let import_id = flight.import_id.clone();
        let status = match self.services.mirakl.stock_import_status(&import_id).await {
            Ok(status) => status,
            Err(e) => {
                self.reporter.unavailable(Service::Mirakl, &e).await?;
                return Ok(None);
            }
        };
        if !status.is_finished() {
            return Ok(None);
        }
        let Some(flight) = self.in_flight.take() else {
            return Ok(None);
        };
        if status.status.eq_ignore_ascii_case("FAILED") {
            self.services.store.finish_stock_import(
                &import_id,
                &status.status,
                status.lines_in_error,
            )?;
            self.events.requeue(flight.changes);
            self.reporter
                .fact(Fact::StockImportFailed(import_id.clone()))
                .await?;
            return Ok(Some((0, flight.lines.len())));
        }
        let mut failed: BTreeSet<String> = BTreeSet::new();
        if status.has_error_report || status.lines_in_error > 0 {
            match self.services.mirakl.stock_error_report(&import_id).await {
                Ok(errors) => {
                    for line in errors {
                        let fact = Fact::StockLineRefused(RefusedStockLine {
                            sku: line.sku.clone(),
                            import_id: import_id.clone(),
                            message: line.message.clone(),
                        });
                        self.reporter.fact(fact).await?;
                        failed.insert(line.sku);
                    }
                }
                Err(e) => {
                    // Without the report we cannot tell which lines failed: publish nothing
                    // of this import as certain, let reconciliation settle it.
                    tracing::warn!("STO03 for {import_id} unavailable: {e}");
                    flight.lines.iter().for_each(|l| {
                        failed.insert(l.sku.clone());
                    });
                }
            }
        }
        let published: Vec<(String, Option<String>, i64)> = flight
            .lines
            .iter()
            .filter(|l| !failed.contains(&l.sku))
            .map(|l| (l.sku.clone(), l.warehouse.clone(), l.quantity))
            .collect();
        self.services
            .store
            .record_published(&published, Some(&import_id))?;
        // Finished only once the ledger holds its outcome.
        self.services.store.finish_stock_import(
            &import_id,
            &status.status,
            status.lines_in_error,
        )?;
        let ok: HashSet<String> = published.iter().map(|(sku, _, _)| sku.clone()).collect();
        self.observe(&flight.changes, &ok);
        // Published, or left to reconciliation (a refused line): off the durable queue.
        self.events.settle(&flight.changes)?;
        self.services.store.audit(
            "sto01.finished",
            &import_id,
            &json!({"published": published.len(), "failed": failed.len()}).to_string(),
        )?;
        Ok(Some((published.len(), failed.len())))
    }
}
