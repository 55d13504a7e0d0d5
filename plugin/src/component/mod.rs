//! wit-bindgen export glue: converts WIT records to the native types and back, one file per
//! exported interface.

mod cancellations;
mod dispatch;
mod exceptions;
mod inventory;
mod orders;
mod rereads;
mod returns;

use crate::common::error::PlanError;
use crate::common::exception::{Exception, Resolution, Severity, Team};
use crate::common::mirakl_request::MiraklRequest;

wit_bindgen::generate!({ path: "../wit", world: "connector" });

use exports::jlm::connector::types as wit_types;

/// The component's one type; each interface is implemented in its own file.
struct Component;

impl exports::jlm::connector::contract::Guest for Component {
    fn api_version() -> String {
        crate::API_VERSION.to_string()
    }
}

fn team(team: Team) -> wit_types::Team {
    match team {
        Team::Operations => wit_types::Team::Operations,
        Team::Finance => wit_types::Team::Finance,
        Team::Ecommerce => wit_types::Team::Ecommerce,
    }
}

fn severity(severity: Severity) -> wit_types::Severity {
    match severity {
        Severity::Info => wit_types::Severity::Info,
        Severity::Warning => wit_types::Severity::Warning,
        Severity::Blocking => wit_types::Severity::Blocking,
    }
}

fn exception(e: Exception) -> wit_types::Exception {
    wit_types::Exception {
        code: e.code,
        team: team(e.team),
        severity: severity(e.severity),
        subject: e.subject,
        message: e.message,
    }
}

fn exceptions(list: Vec<Exception>) -> Vec<wit_types::Exception> {
    list.into_iter().map(exception).collect()
}

fn resolutions(list: Vec<Resolution>) -> Vec<wit_types::Resolution> {
    list.into_iter()
        .map(|r| wit_types::Resolution {
            codes: r.codes,
            subject: r.subject,
        })
        .collect()
}

fn requests(list: Vec<MiraklRequest>) -> Vec<wit_types::MiraklRequest> {
    list.into_iter()
        .map(|r| wit_types::MiraklRequest {
            api: r.api,
            path: r.path,
            body: r.body,
        })
        .collect()
}

fn committed(list: Vec<wit_types::Committed>) -> Vec<crate::common::committed::Committed> {
    list.into_iter()
        .map(|c| crate::common::committed::Committed {
            sku: c.sku,
            quantity: c.quantity,
        })
        .collect()
}

fn plan_error(e: PlanError) -> wit_types::PlanError {
    wit_types::PlanError {
        code: e.code,
        message: e.message,
    }
}

fn native_plan_error(e: wit_types::PlanError) -> PlanError {
    PlanError {
        code: e.code,
        message: e.message,
    }
}

export!(Component);
