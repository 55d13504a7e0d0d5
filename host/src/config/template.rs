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

[orders.tax_names]                           # Mirakl tax code -> Fulfil tax name
"GB-VAT-STANDARD" = "UK Standard VAT"

[store]
path = "jlm.sqlite"

[retry]
max_attempts = 5
base_delay = "500ms"
max_delay = "30s"
retry_after_cap = "15m"
timeout = "30s"
"#;
