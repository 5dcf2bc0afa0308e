use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use customs_analyzer::{Dispatcher, LayerFindings, squash};
use customs_image::{Image, ImageRef, WalkLimits, walk_layer};
use customs_model::{
    Artifact, Distro, Package, Report, ReportDb, ReportDiagnostic, ReportLayer, ReportOs,
};

use crate::ScanError;

/// Receives progress events; the CLI draws a bar from them, the server ignores them.
pub trait Progress: Send + Sync {
    /// A layer of `bytes` (stored size, when known) started.
    fn layer_started(&self, _index: usize, _bytes: Option<u64>) {}
    /// A layer finished.
    fn layer_done(&self, _index: usize) {}
}

impl Progress for () {}

/// How to index.
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// Where to cache per-layer analyses (none: no cache).
    pub cache: Option<crate::LayerCache>,
    /// How to reach registries (`registry:` and bare names not in the Docker daemon).
    pub registry: customs_image::RegistryOptions,
}

/// What an image contains, after squashing.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub image: Image,
    pub distro: Option<Distro>,
    pub repositories: Vec<String>,
    pub packages: Vec<Package>,
    pub diagnostics: Vec<ReportDiagnostic>,
}

/// Opens `reference`, walks every layer once (in parallel) and squashes the results.
pub fn index(
    reference: &ImageRef,
    options: &IndexOptions,
    progress: &dyn Progress,
) -> Result<Inventory, ScanError> {
    let dispatcher = Dispatcher::new(customs_ecosystems::analyzers())?;
    // Large files several analyzers want are spooled next to the layer cache, so a scan
    // writes nothing outside customs's cache directory.
    let limits = WalkLimits {
        spool_dir: options
            .cache
            .as_ref()
            .and_then(|c| c.dir().parent().map(|p| p.join("spool"))),
        ..WalkLimits::default()
    };
    if let ImageRef::Sbom(path) = reference {
        let sbom = customs_image::read_sbom(path)?;
        let image = customs_image::open(reference)?;
        let mut packages = sbom.packages;
        customs_ecosystems::finalize_packages(&mut packages, sbom.distro.as_ref());
        let diagnostics = sbom
            .problems
            .into_iter()
            .map(|message| ReportDiagnostic {
                code: "sbom-entry-skipped".into(),
                layer_diff_id: None,
                path: Some(path.display().to_string()),
                message,
            })
            .collect();
        return Ok(Inventory {
            image,
            distro: sbom.distro,
            repositories: Vec::new(),
            packages,
            diagnostics,
        });
    }
    if let ImageRef::Docker(name) | ImageRef::Name(name) = reference {
        // Streamed from the daemon: the layers were walked as they went by. A bare name the
        // daemon does not have (or no daemon at all) is looked up in its registry below.
        match customs_image::stream_docker(reference, name, &dispatcher, &limits) {
            Ok((image, found)) => {
                let layers: Vec<_> = image
                    .layers
                    .iter()
                    .map(|l| Some(l.diff_id.clone()))
                    .zip(found)
                    .collect();
                return Ok(finish(image, &layers));
            }
            Err(
                e @ (customs_image::ImageError::NotInDaemon { .. }
                | customs_image::ImageError::Daemon { .. }),
            ) if matches!(reference, ImageRef::Name(_)) => {
                tracing::info!(%name, reason = %e, "not from the Docker daemon; trying the registry");
            }
            Err(e) => return Err(e.into()),
        }
    }
    let image = customs_image::open_with(reference, &options.registry)?;
    let fingerprint = dispatcher.fingerprint();
    let n = image.layers.len();
    let results: Vec<Mutex<Option<Result<LayerFindings, customs_image::ImageError>>>> =
        (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    // Registry layers are downloads as well as walks: a few more in flight hide latency.
    let remote = matches!(reference, ImageRef::Registry(_) | ImageRef::Name(_));
    let workers = if remote { cpus.max(4) } else { cpus }.min(n.max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let layer = &image.layers[i];
                    progress.layer_started(i, layer.size);
                    let label = image.layer_label(i);
                    // The key is the digest that was verified for this layer.
                    let key = layer.digest.as_ref().unwrap_or(&layer.diff_id);
                    if let Some(hit) = options
                        .cache
                        .as_ref()
                        .and_then(|c| c.get(key, &fingerprint))
                    {
                        tracing::debug!(layer = %label, "layer cache hit");
                        *results[i].lock().expect("no poisoned lock") = Some(Ok(hit));
                        progress.layer_done(i);
                        continue;
                    }
                    let result = image.open_layer(i).and_then(|reader| {
                        // OCI layouts and Docker 25+ archives name blobs by digest: verify
                        // that. Legacy docker-archives only know the diff_id: verify that.
                        let expect_diff = if layer.digest.is_none() {
                            Some(&layer.diff_id)
                        } else {
                            None
                        };
                        walk_layer(
                            reader,
                            &label,
                            layer.digest.as_ref(),
                            expect_diff,
                            layer.media_type.as_deref(),
                            &dispatcher,
                            &limits,
                        )
                    });
                    tracing::debug!(layer = %label, ok = result.is_ok(), "layer walked");
                    if let (Some(cache), Ok(findings)) = (&options.cache, &result) {
                        cache.put(key, &fingerprint, findings);
                    }
                    *results[i].lock().expect("no poisoned lock") = Some(result);
                    progress.layer_done(i);
                }
            });
        }
    });
    let mut layers = Vec::with_capacity(n.max(1));
    if let ImageRef::Dir(root) = reference {
        // A root filesystem is one unnamed "layer".
        layers.push((None, customs_image::walk_dir(root, &dispatcher, &limits)?));
    }
    for (i, r) in results.into_iter().enumerate() {
        let findings = r
            .into_inner()
            .expect("no poisoned lock")
            .expect("every layer is walked")?;
        layers.push((Some(image.layers[i].diff_id.clone()), findings));
    }
    Ok(finish(image, &layers))
}

/// Squashes walked layers into the inventory.
fn finish(image: Image, layers: &[(Option<customs_model::Digest>, LayerFindings)]) -> Inventory {
    let refs: Vec<_> = layers.iter().map(|(d, f)| (d.clone(), f)).collect();
    let squashed = squash(&refs);
    let mut packages = squashed.packages;
    customs_ecosystems::finalize_packages(&mut packages, squashed.distro.as_ref());
    let diagnostics = squashed
        .diagnostics
        .into_iter()
        .map(|(layer, d)| ReportDiagnostic {
            code: d.code,
            layer_diff_id: layer,
            path: d.path,
            message: d.message,
        })
        .collect();
    Inventory {
        image,
        distro: squashed.distro,
        repositories: squashed.repositories,
        packages,
        diagnostics,
    }
}

impl Inventory {
    /// Builds the report. Everything in it is derived from the image and the database, never
    /// from the clock, so the same inputs give byte-identical JSON.
    pub fn into_report(self, findings: Vec<customs_model::Finding>, db: ReportDb) -> Report {
        let image = &self.image;
        let artifact = Artifact {
            name: image.reference.to_string(),
            digest: image
                .manifest_digest
                .clone()
                .unwrap_or_else(|| image.config_digest.clone()),
            config_digest: image.config_digest.clone(),
            repo_tags: image.repo_tags.clone(),
            repo_digests: image.repo_digests.clone(),
            architecture: image.config.architecture.clone(),
            os_type: image.config.os.clone(),
            created: image.config.created.clone(),
            user: image
                .config
                .config
                .as_ref()
                .and_then(|c| c.user.clone())
                .filter(|u| !u.is_empty()),
            exposed_ports: image
                .config
                .config
                .as_ref()
                .and_then(|c| c.exposed_ports.as_ref())
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
            env_names: image
                .config
                .config
                .as_ref()
                .and_then(|c| c.env.as_ref())
                .map(|env| {
                    env.iter()
                        .map(|kv| {
                            kv.split_once('=')
                                .map_or(kv.as_str(), |(k, _)| k)
                                .to_owned()
                        })
                        .collect()
                })
                .unwrap_or_default(),
            os: self.distro.as_ref().map(|d| ReportOs {
                family: d.family.clone(),
                id: d.id.clone(),
                version: d.version.clone(),
                codename: d.codename.clone(),
                pretty_name: d.pretty_name.clone(),
            }),
            repositories: self.repositories.clone(),
            layers: image
                .layers
                .iter()
                .map(|l| ReportLayer {
                    diff_id: l.diff_id.clone(),
                    digest: l.digest.clone(),
                    created_by: l.created_by.clone(),
                    size: l.size,
                })
                .collect(),
        };
        Report {
            schema_version: customs_model::REPORT_SCHEMA_VERSION,
            customs_version: env!("CARGO_PKG_VERSION").to_owned(),
            artifact,
            packages: self.packages,
            findings,
            suppressed: Vec::new(),
            diagnostics: self.diagnostics,
            db,
            remediation: None,
        }
    }
}
