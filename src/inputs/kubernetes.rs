//! The `kubernetes` input: the tailer over `<root>/containers/*.log`, with
//! each file's tag and metadata taken from kubelet's naming.
//!
//! Metadata comes from paths only. Pod labels and annotations from the API
//! server are a later step: they plug in as another [`PodMetadata`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use sluice_parsers::Record;

use super::container_log::{container_log_meta, ContainerLogMeta};
use crate::pipeline::parse::SourceInfo;

/// Placeholders a tag template may use.
pub const TAG_PLACEHOLDERS: &[&str] = &["namespace", "pod", "pod_uid", "container", "container_id"];

/// A tag with `{placeholder}`s, checked when the config is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagTemplate {
    pieces: Vec<TagPiece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TagPiece {
    Text(String),
    Field(String),
}

impl TagTemplate {
    /// Parses `kube.{namespace}.{pod}.{container}`.
    ///
    /// # Errors
    /// An unknown placeholder or an unclosed brace.
    pub fn parse(template: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(TagPiece::Text(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("unclosed `{{` in tag template `{template}`"));
            };
            let name = &rest[open + 1..open + close];
            if !TAG_PLACEHOLDERS.contains(&name) {
                return Err(format!(
                    "unknown placeholder `{{{name}}}` in tag template; available: {}",
                    TAG_PLACEHOLDERS
                        .iter()
                        .map(|name| format!("{{{name}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            pieces.push(TagPiece::Field(name.to_owned()));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(TagPiece::Text(rest.to_owned()));
        }
        Ok(Self { pieces })
    }

    /// The tag of one container's events. Dots in values become `_` so that
    /// each placeholder stays one tag part (`*` in routes matches one part).
    pub fn render(&self, meta: &ContainerLogMeta) -> String {
        let mut tag = String::new();
        for piece in &self.pieces {
            match piece {
                TagPiece::Text(text) => tag.push_str(text),
                TagPiece::Field(name) => {
                    let value = match name.as_str() {
                        "namespace" => Some(meta.namespace.as_str()),
                        "pod" => Some(meta.pod_name.as_str()),
                        "pod_uid" => meta.pod_uid.as_deref(),
                        "container" => Some(meta.container_name.as_str()),
                        "container_id" => meta.container_id.as_deref(),
                        _ => None,
                    };
                    tag.push_str(&value.unwrap_or("unknown").replace('.', "_"));
                }
            }
        }
        tag
    }
}

/// Where record fields about a pod come from. Paths today; the API server
/// (labels, annotations, node) later.
pub trait PodMetadata: std::fmt::Debug + Send + Sync {
    /// Fields added to every record of this container.
    fn fields(&self, meta: &ContainerLogMeta) -> Record;
}

/// Metadata from kubelet's paths, with ECS field names.
#[derive(Debug, Default)]
pub struct PathMetadata;

impl PodMetadata for PathMetadata {
    fn fields(&self, meta: &ContainerLogMeta) -> Record {
        let mut record = Record::with_capacity(5);
        let mut put = |name: &str, value: &str| {
            record.insert(name.to_owned(), Value::String(value.to_owned()));
        };
        put("kubernetes.namespace", &meta.namespace);
        put("kubernetes.pod.name", &meta.pod_name);
        if let Some(uid) = &meta.pod_uid {
            put("kubernetes.pod.uid", uid);
        }
        put("kubernetes.container.name", &meta.container_name);
        if let Some(id) = &meta.container_id {
            put("container.id", id);
        }
        record
    }
}

/// The pod sluice itself runs in (from the downward API), whose logs it
/// must not ship: they would feed back into themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnPod {
    pub namespace: String,
    pub name: String,
}

impl OwnPod {
    /// Whether `meta` is this pod or another pod of the same DaemonSet on
    /// this node: after a rollout the previous pod's log stays until
    /// kubelet collects it, and was never shipped (so never checkpointed).
    /// DaemonSet pods are named `<daemonset>-<5 characters>`.
    pub fn covers(&self, meta: &ContainerLogMeta) -> bool {
        if meta.namespace != self.namespace {
            return false;
        }
        if meta.pod_name == self.name {
            return true;
        }
        let generated = |name: &str| {
            name.rsplit_once('-')
                .filter(|(_, suffix)| {
                    suffix.len() == 5
                        && suffix
                            .bytes()
                            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
                })
                .map(|(prefix, _)| prefix.to_owned())
        };
        match (generated(&self.name), generated(&meta.pod_name)) {
            (Some(own), Some(other)) => own == other,
            _ => false,
        }
    }

    /// From `SLUICE_POD_NAMESPACE` and `SLUICE_POD_NAME`, when both are set.
    pub fn from_env() -> Option<Self> {
        Some(Self {
            namespace: std::env::var("SLUICE_POD_NAMESPACE").ok()?,
            name: std::env::var("SLUICE_POD_NAME").ok()?,
        })
    }
}

/// Settings of a `kubernetes` input.
#[derive(Debug, Clone)]
pub struct KubernetesSettings {
    /// Usually `/var/log`: files are `<root>/containers/*.log`.
    pub root: PathBuf,
    pub tag: TagTemplate,
    /// Merged partial lines are cut at this size.
    pub max_entry_bytes: usize,
    pub own_pod: Option<OwnPod>,
    pub metadata: Arc<dyn PodMetadata>,
}

/// Why a file under `containers/` is not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// It holds sluice's own logs.
    OwnPod,
    /// Its name is not `<pod>_<namespace>_<container>-<id>.log`.
    UnknownName,
}

impl KubernetesSettings {
    /// The glob of container log files.
    pub fn pattern(&self) -> String {
        format!("{}/containers/*.log", self.root.display())
    }

    /// The source (tag and fixed fields) for the events of one container
    /// log file, based on the input's own.
    ///
    /// # Errors
    /// When the file is not to be followed, and why.
    pub fn source_for(
        &self,
        base: &SourceInfo,
        link: &Path,
        target: &Path,
    ) -> Result<Arc<SourceInfo>, Skipped> {
        let meta = container_log_meta(link, Some(target)).ok_or(Skipped::UnknownName)?;
        if self.own_pod.as_ref().is_some_and(|own| own.covers(&meta)) {
            return Err(Skipped::OwnPod);
        }
        Ok(Arc::new(SourceInfo {
            name: base.name.clone(),
            tag: self.tag.render(&meta).into(),
            parser: base.parser.clone(),
            time_key: base.time_key.clone(),
            timestamps: base.timestamps.clone(),
            fields: self.metadata.fields(&meta),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> ContainerLogMeta {
        ContainerLogMeta {
            namespace: "shop".into(),
            pod_name: "web-7d9f.v2".into(),
            pod_uid: Some("1234-abcd".into()),
            container_name: "app".into(),
            container_id: None,
        }
    }

    #[test]
    fn tag_template_renders_and_keeps_one_part_per_placeholder() {
        let template = TagTemplate::parse("kube.{namespace}.{pod}.{container}").unwrap();
        assert_eq!(template.render(&meta()), "kube.shop.web-7d9f_v2.app");
        let template = TagTemplate::parse("k.{container_id}").unwrap();
        assert_eq!(template.render(&meta()), "k.unknown");
    }

    #[test]
    fn tag_template_errors_name_the_problem() {
        let err = TagTemplate::parse("kube.{nspace}").unwrap_err();
        assert!(err.starts_with("unknown placeholder `{nspace}`"), "{err}");
        assert!(TagTemplate::parse("kube.{pod")
            .unwrap_err()
            .contains("unclosed"));
    }

    #[test]
    fn own_pod_covers_its_daemonset_siblings_only() {
        let own = OwnPod {
            namespace: "sluice".into(),
            name: "sluice-x7k2p".into(),
        };
        let pod = |namespace: &str, name: &str| ContainerLogMeta {
            namespace: namespace.into(),
            pod_name: name.into(),
            ..meta()
        };
        assert!(own.covers(&pod("sluice", "sluice-x7k2p")));
        assert!(
            own.covers(&pod("sluice", "sluice-q9w8e")),
            "the previous pod of a rollout"
        );
        assert!(!own.covers(&pod("shop", "sluice-q9w8e")));
        assert!(!own.covers(&pod("sluice", "sluice-exporter-q9w8e")));
        assert!(!own.covers(&pod("sluice", "other-q9w8e")));
    }

    #[test]
    fn path_metadata_uses_ecs_names() {
        let fields = PathMetadata.fields(&meta());
        assert_eq!(fields["kubernetes.namespace"], "shop");
        assert_eq!(fields["kubernetes.pod.uid"], "1234-abcd");
        assert_eq!(fields["kubernetes.container.name"], "app");
        assert!(!fields.contains_key("container.id"));
    }
}
