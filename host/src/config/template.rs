//! The commented configuration template written by `jlm init`.

/// A complete, commented `jlm.toml`.
pub const TEMPLATE: &str = r#"# jlm configuration. Secrets are NOT kept here: export
#   JLM_MIRAKL_API_KEY   the John Lewis (Mirakl) shop API key (seller back office > user menu > API key)
#   JLM_FULFIL_API_KEY   a Fulfil personal access token of the integration user
# Durations: "500ms", "60s", "5m", "1h", "2d".

[mirakl]
base_url = "https://<instance>.mirakl.net"   # your John Lewis Marketplace instance
# shop_id = "1234"                           # only if the key reaches several shops
orders_poll_interval = "60s"                 # OR11 at most once a minute (Mirakl's call frequency)
call_interval = "1s"                         # minimum gap between any two Mirakl calls
export_poll_interval = "10s"                 # OF53 polling of an offer export

[fulfil]
base_url = "https://<merchant>.fulfil.io"
channel_id = 0                               # Settings > Channels: the John Lewis channel id
ean_field = "upc"                            # product.product field holding the EAN-13
call_interval = "100ms"
catalogue_refresh = "1h"                     # refresh of the SKU/EAN mirror used for near-match checks

[orders]
refuse_out_of_stock = true                   # refuse short lines automatically when the rest is clean
gift_message_order_codes = ["gift-message"]  # order-level additional fields holding a gift message
gift_message_line_codes = ["gift-message"]   # line-level ones
acceptance_window = "48h"                    # John Lewis' acceptance deadline after order creation
unit_price_digits = 4                        # decimals Fulfil keeps on a unit price
overlap = "5m"                               # each poll re-reads this far before its cursor
currency = "GBP"                             # the channel's currency; an order in another raises currency_unexpected
# default_country = "GB"                     # only for addresses with no country code or name at all
tax_pass_through = false                     # true: send tax codes missing below to Fulfil as they are, without tax_unmapped

[orders.tax_names]                           # Mirakl tax code -> Fulfil tax name (unmapped codes raise tax_unmapped)
"GB-VAT-STANDARD" = "UK Standard VAT"

[stock]                                      # what John Lewis sees of Fulfil's availability
buffer = 0                                   # units held back, default 0
percent = 100                                # share published, 0..100
# max = 100000                               # cap, default none
zero_below = 0                               # publish 0 when the result is below this
exclude = []                                 # SKUs never published
# [stock.sku."JL-MUG-001"]                   # per-SKU overrides of buffer, percent, max, zero_below
# buffer = 2

[dispatch]                                   # reporting Fulfil shipments to John Lewis
multi_shipment = false                       # true only if John Lewis enabled multi-shipment (ST01) for your shop
poll_interval = "60s"                        # Fulfil shipments done are read, and the clocks checked, this often
overlap = "10m"                              # each read goes back this far before its cursor (late Fulfil commits)

# The carrier table: each Fulfil carrier (and optionally service) -> John Lewis carrier.
# jl_code must be a code from John Lewis' own carrier list (Mirakl SH21,
# GET /api/shipping/carriers); the codes below are examples only. Without fulfil_service
# an entry covers every service of the carrier; an entry with a service wins over it.
# A shipment whose carrier has no entry raises unmapped_carrier and is not reported.
# [[carriers.map]]
# fulfil_carrier = "Royal Mail"
# fulfil_service = "Tracked 24"
# jl_code = "RM"                             # example: use the SH21 code
# tracking_format = "AA999999999GB"          # optional: A = capital letter, 9 = digit, | = or
#
# [[carriers.map]]
# fulfil_carrier = "Royal Mail"              # every other Royal Mail service
# jl_code = "RM"
#
# [[carriers.map]]                           # a carrier John Lewis does not know: sent by name
# fulfil_carrier = "Local Courier"
# registered = false
# name = "Local Courier Ltd"                 # default: fulfil_carrier
# tracking_url_template = "https://track.example/{tracking}"

[clocks]                                     # early warnings before John Lewis' deadlines, checked every minute
acceptance_margin = "6h"                     # acceptance_overdue this long before the acceptance deadline
dispatch_margin = "4h"                       # dispatch_overdue this long before an unshipped order's shipping deadline
unconfirmed_after = "1h"                     # dispatch_unconfirmed when John Lewis still shows a Fulfil shipment unshipped after this

[returns]
window = "35days"                            # return_outside_window for returns opened later than this after delivery
refund_shipping = "full_return"              # never | full_return (a line's shipping with its last unit) | pro_rata
refund_reason = "RETURN"                     # OR28 reason code: one of the instance's refund reasons (RE01)
non_compliance_reason = "DAMAGED"            # RT26 reason for an inspection note [returns.non_compliance] does not name
# [returns.reasons]                          # Mirakl return reason -> the return reason Fulfil records
# RETURN_CHANGED_MIND = "Changed mind"
# [returns.non_compliance]                   # what the warehouse records in Fulfil -> Mirakl non-compliance reason
# "Scratched" = "DAMAGED_ITEM"

[cancellations]
reason = "SELLER_CANCELLATION"               # OR30 reason code when Fulfil cancels: one of the instance's cancel reasons (RE01)

[stock_sync]
interval = "60s"                             # STO01 at most once a minute (Mirakl's limit)
status_interval = "15s"                      # STO02 polling of the import in flight
reconcile_every = "1h"                       # full comparison of Fulfil and John Lewis (also at start)
warehouses = []                              # Fulfil warehouse codes whose stock John Lewis may sell; empty = all
delayed_after_intervals = 3                  # stock_sync_delayed after this many intervals

[web]                                        # POST /webhooks/fulfil, GET / (dashboard), /metrics, /health
bind = "127.0.0.1:8780"                      # another address needs JLM_WEB_TOKEN
max_body_bytes = 1048576
allowed_hosts = []                           # names it is reached by besides bind (e.g. "jlm.example.com"); other Host headers get 421
# Fulfil webhook (Settings > Webhooks): event product.product.inventory_level_changed,
# URL https://<your host>/webhooks/fulfil, secret exported as JLM_FULFIL_WEBHOOK_SECRET.

[store]
path = "jlm.sqlite"                          # created owner-only (0600); one `jlm run` at a time (jlm.sqlite.lock)

[retention]                                  # what the running connector deletes, once older than
raw_payloads = "30d"                         # order payloads (customer name, address) of finished orders
audit = "400d"                               # audit rows: kept past a year-end close
done_outbox = "90d"                          # writes confirmed done
stock_imports = "90d"                        # STO01 files sent and their outcome
every = "6h"                                 # how often it prunes (also at start)

[retry]
max_attempts = 5
base_delay = "500ms"
max_delay = "30s"
retry_after_cap = "15m"
timeout = "30s"

[component]
# Memory one instance of the component may grow to (MiB); a call needing more raises
# plugin_fault for its record and the rest of the batch goes on.
memory_limit_mb = 512
# Deadline of every call, replacing the built-in ones (2s per order or shipment, 20s per
# stock plan):
# call_deadline = "5s"
"#;
