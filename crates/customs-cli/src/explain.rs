//! `customs explain VULNERABILITY IMAGE`.

use std::io::Write;

use crate::cli::ExplainArgs;
use crate::exit::Failure;

/// No progress output for `explain`.
struct Quiet;
impl customs_scan::Progress for Quiet {}

pub fn run(args: &ExplainArgs) -> Result<u8, Failure> {
    let reference = customs_image::ImageRef::parse(&args.image).map_err(|e| Failure::image(&e))?;
    let store = crate::dbdist::open_store(&args.db)?;
    let options = customs_scan::IndexOptions {
        cache: if args.no_cache {
            None
        } else {
            crate::cli::layer_cache()
        },
        registry: crate::commands::registry_options(&args.registry)?,
    };
    let inventory = customs_scan::index(&reference, &options, &Quiet).map_err(Failure::scan)?;
    let lookup = |ns: &str, pkg: &str| {
        store
            .advisories(ns, pkg)
            .map_err(customs_scan::ScanError::from)
    };
    let explanations =
        customs_scan::explain(&inventory, &args.vulnerability, &lookup).map_err(Failure::scan)?;
    let mut out = std::io::stdout().lock();
    let io = |e: std::io::Error| Failure::io(format!("writing to stdout: {e}"));
    if args.format == "json" {
        serde_json::to_writer_pretty(&mut out, &explanations)
            .map_err(|e| Failure::io(e.to_string()))?;
        writeln!(out).map_err(io)?;
        return Ok(0);
    }
    if explanations.is_empty() {
        writeln!(
            out,
            "{}: no record in the database names it for any package of {} ({} packages, distro {}).",
            args.vulnerability,
            args.image,
            inventory.packages.len(),
            inventory
                .distro
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), |d| format!("{} {}", d.id, d.version))
        )
        .map_err(io)?;
        writeln!(
            out,
            "Check the id (aliases work too), and that `customs db status` lists the feed that covers this package."
        )
        .map_err(io)?;
        return Ok(0);
    }
    let reported = explanations
        .iter()
        .any(|e| e.deciding && e.verdict != "not affected");
    writeln!(
        out,
        "{}: {}",
        args.vulnerability,
        if reported {
            "REPORTED for this image"
        } else {
            "not reported for this image"
        }
    )
    .map_err(io)?;
    for e in &explanations {
        writeln!(out).map_err(io)?;
        writeln!(out, "package   {} {}  ({})", e.package, e.version, e.purl).map_err(io)?;
        writeln!(
            out,
            "found in  {}{}",
            e.found_in,
            e.layer_diff_id
                .as_deref()
                .map(|l| format!("  layer {l}"))
                .unwrap_or_default()
        )
        .map_err(io)?;
        writeln!(out, "lookup    {} (matcher {})", e.lookup, e.matcher).map_err(io)?;
        let aliases = if e.aliases.is_empty() {
            String::new()
        } else {
            format!(", aliases {}", e.aliases.join(" "))
        };
        writeln!(
            out,
            "record    {} from {} ({}{aliases}), status {}",
            e.record_id, e.feed, e.vulnerability_id, e.status
        )
        .map_err(io)?;
        writeln!(out, "range     {}", e.range).map_err(io)?;
        writeln!(
            out,
            "verdict   {}{}: {}",
            e.verdict,
            if e.deciding { "" } else { " (not deciding)" },
            e.reason
        )
        .map_err(io)?;
    }
    Ok(0)
}
