//! The real Mirakl client (`crate::mirakl::Client`) against the sandbox's stock and offer
//! operations: what one sends the other accepts, what one answers the other parses.

use std::time::Duration;

use crate::http::test_server::fast_policy;
use crate::mirakl::{Client, MiraklConfig, MiraklOffer, StockErrorLine};
use crate::sandbox::test_support::sample_offer;
use crate::sandbox::{Sandbox, SandboxConfig, SandboxOffer};

const HEADER: &str = "\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\r\n";

fn client(sandbox: &Sandbox, stock_import_interval: Duration) -> Client {
    let mut config = MiraklConfig::new(&sandbox.mirakl_url, "sandbox-mirakl-key");
    config.shop_id = Some("2001".into());
    config.retry = fast_policy();
    config.page_interval = Duration::ZERO;
    config.stock_import_interval = stock_import_interval;
    config.stock_status_interval = Duration::from_millis(40);
    config.export_poll_interval = Duration::from_millis(20);
    Client::new(config).expect("client")
}

#[tokio::test]
async fn the_mirakl_client_and_the_sandbox_agree_on_stock_and_offers() {
    let sandbox = Sandbox::start(SandboxConfig {
        stock_import_min_interval: Duration::from_millis(300),
        stock_import_processing: Duration::from_millis(120),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let quoted = "JL \"BIG\";MUG";
    let mut seeded: Vec<SandboxOffer> = (1..=4).map(sample_offer).collect();
    seeded.push(SandboxOffer {
        sku: quoted.into(),
        ean: Some("5012345678900".into()),
        quantity: 1,
        active: true,
    });
    sandbox.seed_offers(seeded);
    let paced = client(&sandbox, Duration::from_millis(350));

    // STO01 -> STO02 -> STO03.
    let csv = format!(
        "{HEADER}\"JL \"\"BIG\"\";MUG\";\"5\";\"\";\"\"\r\n\"S-001\";\"7\";\"\";\"\"\r\n\
         \"GONE\";\"3\";\"\";\"\"\r\n\"S-002\";\"1e3\";\"\";\"\"\r\n"
    );
    let import_id = paced.upload_stock(&csv).await.expect("STO01");
    let status = loop {
        let status = paced.stock_import_status(&import_id).await.expect("STO02");
        if status.is_finished() {
            break status;
        }
        assert!(
            ["WAITING", "RUNNING"].contains(&status.status.as_str()),
            "{status:?}"
        );
    };
    assert_eq!(status.import_id, import_id);
    assert_eq!(status.status, "COMPLETE");
    assert_eq!((status.lines_in_success, status.lines_in_error), (2, 2));
    assert!(status.has_error_report);
    let report = paced.stock_error_report(&import_id).await.expect("STO03");
    assert_eq!(
        report,
        vec![
            StockErrorLine {
                sku: "GONE".into(),
                quantity: Some("3".into()),
                message: "The offer does not exist".into(),
            },
            StockErrorLine {
                sku: "S-002".into(),
                quantity: Some("1e3".into()),
                message: "Invalid quantity '1e3': must be a non-negative integer".into(),
            },
        ]
    );
    let quantity = |sku: &str| {
        sandbox
            .offers()
            .into_iter()
            .find(|o| o.sku == sku)
            .map(|o| o.quantity)
    };
    assert_eq!(quantity(quoted), Some(5));
    assert_eq!(quantity("S-001"), Some(7));

    // The client's pacing keeps it under the sandbox's limit...
    paced
        .upload_stock(&format!("{HEADER}\"S-003\";\"0\";\"\";\"\"\r\n"))
        .await
        .expect("paced STO01");
    assert_eq!(sandbox.stats().rate_limited.get("STO01"), None);
    // ...and an unpaced client rides out the sandbox's 429 with its Retry-After.
    let eager = client(&sandbox, Duration::ZERO);
    eager
        .upload_stock(&format!("{HEADER}\"S-004\";\"44\";\"\";\"\"\r\n"))
        .await
        .expect("STO01 after 429");
    let stats = sandbox.stats();
    assert!(stats.rate_limited.get("STO01").copied().unwrap_or(0) >= 1);
    assert_eq!(stats.sto01_accepted.len(), 3);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(quantity("S-004"), Some(44));

    // OF52 -> OF53 -> OF54 and OF21 show the same offers (the export has no EAN).
    let expected: Vec<MiraklOffer> = sandbox
        .offers()
        .into_iter()
        .map(|o| MiraklOffer {
            sku: o.sku,
            ean: o.ean,
            quantity: Some(o.quantity),
            active: Some(o.active),
        })
        .collect();
    assert_eq!(expected.len(), 5);
    let exported = paced.export_offers().await.expect("export");
    let without_ean: Vec<MiraklOffer> = expected
        .iter()
        .cloned()
        .map(|o| MiraklOffer { ean: None, ..o })
        .collect();
    assert_eq!(exported, without_ean);
    let listed = paced.list_offers().await.expect("OF21");
    assert_eq!(listed, expected);
    let requests = sandbox.stats().requests;
    for op in ["STO01", "STO02", "STO03", "OF21", "OF52", "OF53", "OF54"] {
        assert!(
            requests.get(op).copied().unwrap_or(0) >= 1,
            "{op}: {requests:?}"
        );
    }
    sandbox.shutdown().await;
}
