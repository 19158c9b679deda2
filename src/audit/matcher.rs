//! The audit policy as kube-apiserver applies it (`plugin/pkg/audit/policy/checker.go`): the first
//! rule whose users, userGroups, verbs, namespaces, resources (group, resource, subresource,
//! resourceNames) and nonResourceURLs all match a request decides its level, and its omitStages are
//! the union of the rule's and the policy's. A request no rule matches is not logged.
//!
//! [`Policy::decide`] is that checker for one request. The questions the checks ask are about all
//! requests at once ("can any request for a Secret be logged above Metadata?"), and
//! [`Policy::landings`] answers them exactly, without enumerating requests: every rule compares an
//! attribute with names it mentions, so the names a policy mentions plus one "other" name per
//! attribute partition the attribute space into classes that no rule tells apart. Users and
//! actions (verb and target) are classified by which rules they could match, and the user's groups
//! — a set, so 2^n classes — are solved directly: to land on rule *i*, the groups must avoid every
//! group of the earlier rules that would match too, and meet rule *i*'s. One more fact of
//! kube-apiserver is kept: every request is either authenticated or not, so its groups hold
//! `system:authenticated` or `system:unauthenticated` (the authenticator adds one of them before
//! the audit policy is consulted).

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use super::policy::{GroupResources, Level, Policy, Rule, Sensitive};
use crate::i18n::{Sep, Text};
use crate::t;

pub const AUTHENTICATED: &str = "system:authenticated";
pub const UNAUTHENTICATED: &str = "system:unauthenticated";

/// A name no rule of the policy mentions, for one attribute.
const OTHER: &str = "\u{2026}";

/// What a request is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// `""` is the core group, a cluster-scoped request, no subresource, no name.
    Resource {
        namespace: String,
        group: String,
        resource: String,
        subresource: String,
        name: String,
    },
    NonResource {
        path: String,
    },
}

/// A request as the audit policy sees it (its authorizer attributes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub user: String,
    pub groups: Vec<String>,
    pub verb: String,
    pub target: Target,
}

/// Where a request lands: a rule (0-based) or none, its level and the stages not logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub rule: Option<usize>,
    pub level: Option<Level>,
    pub omit_stages: BTreeSet<String>,
}

impl Request {
    /// The request in words, in the run's language: `get secrets in namespace "default" by user
    /// "admin" in groups [system:authenticated]`; a name no rule mentions is "any other".
    pub fn text(&self) -> Text {
        let verb = if self.verb == OTHER { t!("audit-req-any-verb") } else { Text::verbatim(&self.verb) };
        let user =
            if self.user == OTHER { t!("audit-req-any-user") } else { t!("audit-req-user", user = q(&self.user)) };
        let groups = Text::join(self.groups.iter().map(Text::verbatim), Sep::Comma);
        match &self.target {
            Target::Resource { namespace, group, resource, subresource, name } => {
                let what = match (resource.as_str(), group.as_str()) {
                    (OTHER, OTHER) => t!("audit-req-any-resource-other-group"),
                    (OTHER, "") => t!("audit-req-any-core-resource"),
                    (OTHER, g) => t!("audit-req-any-resource-of", group = g),
                    (r, OTHER) => t!("audit-req-resource-other-group", resource = r),
                    (r, "") => Text::verbatim(r),
                    (r, g) => Text::verbatim(format!("{r}.{g}")),
                };
                let sub = match subresource.as_str() {
                    "" => Text::verbatim(""),
                    OTHER => t!("audit-req-any-subresource"),
                    s => Text::verbatim(format!("/{s}")),
                };
                let name = match name.as_str() {
                    "" => Text::verbatim(""),
                    OTHER => t!("audit-req-any-name"),
                    n => t!("audit-req-name", name = q(n)),
                };
                let scope = match namespace.as_str() {
                    "" => t!("audit-req-cluster-wide"),
                    OTHER => t!("audit-req-any-namespace"),
                    ns => t!("audit-req-namespace", namespace = q(ns)),
                };
                t!(
                    "audit-request",
                    verb = verb,
                    what = what,
                    sub = sub,
                    name = name,
                    scope = scope,
                    user = user,
                    groups = groups
                )
            }
            Target::NonResource { path } => {
                t!(
                    "audit-request-url",
                    verb = verb,
                    path = path.replace(OTHER, "\u{2026}"),
                    user = user,
                    groups = groups
                )
            }
        }
    }
}

/// A name as the messages quote it.
fn q(s: &str) -> String {
    format!("{s:?}")
}

impl fmt::Display for Request {
    /// English, for evidence and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en())
    }
}

impl Rule {
    /// Whether the rule matches the request (checker.go's `ruleMatches`).
    pub fn matches(&self, r: &Request) -> bool {
        self.matches_user(&r.user)
            && (self.user_groups.is_empty() || r.groups.iter().any(|g| self.user_groups.contains(g)))
            && self.matches_action(&r.verb, &r.target)
    }

    fn matches_user(&self, user: &str) -> bool {
        self.users.is_empty() || self.users.iter().any(|u| u == user)
    }

    fn matches_action(&self, verb: &str, target: &Target) -> bool {
        if !self.verbs.is_empty() && !self.verbs.iter().any(|v| v == verb) {
            return false;
        }
        if !self.namespaces.is_empty() || !self.resources.is_empty() {
            let Target::Resource { namespace, group, resource, subresource, name } = target else { return false };
            if !self.namespaces.is_empty() && !self.namespaces.contains(namespace) {
                return false;
            }
            return self.resources.is_empty()
                || self.resources.iter().any(|gr| gr.matches(group, resource, subresource, name));
        }
        if !self.non_resource_urls.is_empty() {
            let Target::NonResource { path } = target else { return false };
            return self.non_resource_urls.iter().any(|spec| path_matches(path, spec));
        }
        true
    }
}

impl GroupResources {
    fn matches(&self, group: &str, resource: &str, subresource: &str, name: &str) -> bool {
        if self.group != group {
            return false;
        }
        if self.resources.is_empty() {
            return true;
        }
        if !self.resource_names.is_empty() && !self.resource_names.iter().any(|n| n == name) {
            return false;
        }
        let combined = if subresource.is_empty() { resource.to_string() } else { format!("{resource}/{subresource}") };
        self.resources.iter().any(|res| {
            res == "*"
                || *res == combined
                || (!subresource.is_empty() && res.strip_prefix("*/") == Some(subresource))
                || res.strip_suffix("/*") == Some(resource)
        })
    }
}

/// checker.go's `pathMatches`: `*`, an exact path, or a prefix ending in `*`.
fn path_matches(path: &str, spec: &str) -> bool {
    spec == "*" || spec == path || (spec.ends_with('*') && path.starts_with(spec.trim_end_matches('*')))
}

/// The requests a question is about: users, and actions (a verb with its target) either as a
/// list or as every verb with every target.
#[derive(Debug, Clone)]
pub struct Space {
    pub users: Vec<String>,
    pub actions: Actions,
}

#[derive(Debug, Clone)]
pub enum Actions {
    List(Vec<(String, Target)>),
    Product { verbs: Vec<String>, targets: Vec<Target> },
}

/// For each rule, a request that lands on it, if any does; and one that no rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landings {
    pub rules: Vec<Option<Request>>,
    pub unmatched: Option<Request>,
}

/// Bit sets over the rules (a policy may have any number of them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Mask(Vec<u64>);

impl Mask {
    fn from_fn(n: usize, f: impl Fn(usize) -> bool) -> Mask {
        let mut words = vec![0u64; n.div_ceil(64)];
        for i in (0..n).filter(|&i| f(i)) {
            words[i / 64] |= 1 << (i % 64);
        }
        Mask(words)
    }
    fn and(&self, other: &Mask) -> Mask {
        Mask(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }
    fn has(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
}

/// The first value for each distinct mask, in input order.
fn classes<T: Clone>(items: impl IntoIterator<Item = (Mask, T)>) -> Vec<(Mask, T)> {
    let mut seen: HashMap<Mask, ()> = HashMap::new();
    let mut out = Vec::new();
    for (mask, item) in items {
        if seen.insert(mask.clone(), ()).is_none() {
            out.push((mask, item));
        }
    }
    out
}

impl Policy {
    /// kube-apiserver's level and omitted stages for one request.
    pub fn decide(&self, r: &Request) -> Decision {
        match self.rules.iter().position(|rule| rule.matches(r)) {
            Some(i) => Decision {
                rule: Some(i),
                level: self.rules[i].level(),
                omit_stages: self.omit_stages.iter().chain(&self.rules[i].omit_stages).cloned().collect(),
            },
            None => Decision {
                rule: None,
                level: Some(Level::None),
                omit_stages: self.omit_stages.iter().cloned().collect(),
            },
        }
    }

    /// Every group the rules name, and the two every request carries one of.
    fn groups(&self) -> BTreeSet<String> {
        let mut groups: BTreeSet<String> = self.rules.iter().flat_map(|r| r.user_groups.iter().cloned()).collect();
        groups.insert(AUTHENTICATED.into());
        groups.insert(UNAUTHENTICATED.into());
        groups
    }

    /// Which rules requests of `space` can land on, with an example for each, exactly.
    pub fn landings(&self, space: &Space) -> Landings {
        let n = self.rules.len();
        let users =
            classes(space.users.iter().map(|u| (Mask::from_fn(n, |i| self.rules[i].matches_user(u)), u.clone())));
        let actions: Vec<(Mask, (String, Target))> = match &space.actions {
            Actions::List(list) => classes(
                list.iter()
                    .map(|(v, t)| (Mask::from_fn(n, |i| self.rules[i].matches_action(v, t)), (v.clone(), t.clone()))),
            ),
            Actions::Product { verbs, targets } => {
                let verb_rule = |rule: &Rule, v: &str| rule.verbs.is_empty() || rule.verbs.iter().any(|x| x == v);
                let verbs =
                    classes(verbs.iter().map(|v| (Mask::from_fn(n, |i| verb_rule(&self.rules[i], v)), v.clone())));
                let any_verb = |rule: &Rule, t: &Target| {
                    let mut r = rule.clone();
                    r.verbs.clear();
                    r.matches_action("", t)
                };
                let targets =
                    classes(targets.iter().map(|t| (Mask::from_fn(n, |i| any_verb(&self.rules[i], t)), t.clone())));
                classes(
                    verbs
                        .iter()
                        .flat_map(|(vm, v)| targets.iter().map(move |(tm, t)| (vm.and(tm), (v.clone(), t.clone())))),
                )
            }
        };
        let combined = classes(
            users.iter().flat_map(|(um, u)| actions.iter().map(move |(am, a)| (um.and(am), (u.clone(), a.clone())))),
        );
        let all_groups = self.groups();
        let mut out = Landings { rules: vec![None; n], unmatched: None };
        for (mask, (user, (verb, target))) in combined {
            let example = |groups: Vec<String>| Request {
                user: user.clone(),
                groups,
                verb: verb.clone(),
                target: target.clone(),
            };
            // Groups that would make an earlier matching rule catch the request first.
            let mut forbidden: BTreeSet<&str> = BTreeSet::new();
            let mut stopped = false;
            for (i, rule) in self.rules.iter().enumerate().filter(|(i, _)| mask.has(*i)) {
                let auth = [AUTHENTICATED, UNAUTHENTICATED].into_iter().find(|a| !forbidden.contains(a));
                let Some(auth) = auth else {
                    stopped = true;
                    break;
                };
                if rule.user_groups.is_empty() {
                    if out.rules[i].is_none() {
                        out.rules[i] = Some(example(vec![auth.to_string()]));
                    }
                    stopped = true;
                    break;
                }
                let allowed =
                    rule.user_groups.iter().find(|g| !forbidden.contains(g.as_str()) && all_groups.contains(*g));
                if let Some(g) = allowed
                    && out.rules[i].is_none()
                {
                    let mut groups = vec![g.clone()];
                    if g != AUTHENTICATED && g != UNAUTHENTICATED {
                        groups.push(auth.to_string());
                    }
                    out.rules[i] = Some(example(groups));
                }
                forbidden.extend(rule.user_groups.iter().map(String::as_str));
            }
            if !stopped
                && out.unmatched.is_none()
                && let Some(auth) = [AUTHENTICATED, UNAUTHENTICATED].into_iter().find(|a| !forbidden.contains(a))
            {
                out.unmatched = Some(example(vec![auth.to_string()]));
            }
        }
        out
    }

    /// Every user the rules name, and one they do not.
    fn users(&self) -> Vec<String> {
        let users: BTreeSet<String> = self.rules.iter().flat_map(|r| r.users.iter().cloned()).collect();
        // The unnamed class first: the first request of each class becomes the example, and
        // "any user" says more than one named user.
        std::iter::once(OTHER.to_string()).chain(users).collect()
    }

    fn mentioned(&self, f: impl Fn(&Rule) -> Vec<String>, extra: &[&str]) -> Vec<String> {
        let mut set: BTreeSet<String> = self.rules.iter().flat_map(f).collect();
        set.extend(extra.iter().map(|s| s.to_string()));
        set.remove(OTHER);
        std::iter::once(OTHER.to_string()).chain(set).collect()
    }

    fn names(&self) -> Vec<String> {
        self.mentioned(|r| r.resources.iter().flat_map(|gr| gr.resource_names.clone()).collect(), &[""])
    }

    fn namespaces(&self) -> Vec<String> {
        self.mentioned(|r| r.namespaces.clone(), &[""])
    }

    /// Every request kube-apiserver can see, one per class.
    pub fn everything(&self) -> Space {
        let verbs = self.mentioned(
            |r| r.verbs.clone(),
            // Two real verbs make the examples readable; the "other" verb stands for all the rest.
            &["get", "create"],
        );
        let groups = self.mentioned(|r| r.resources.iter().map(|gr| gr.group.clone()).collect(), &[""]);
        let split = |res: &String| -> (Option<String>, Option<String>) {
            match res.split_once('/') {
                Some(("*", s)) => (None, Some(s.to_string())),
                Some((r, "*")) => (Some(r.to_string()), None),
                Some((r, s)) => (Some(r.to_string()), Some(s.to_string())),
                None if res == "*" => (None, None),
                None => (Some(res.clone()), None),
            }
        };
        let all_res: Vec<(Option<String>, Option<String>)> =
            self.rules.iter().flat_map(|r| r.resources.iter().flat_map(|gr| gr.resources.iter().map(split))).collect();
        let mut resources: BTreeSet<String> = all_res.iter().filter_map(|(r, _)| r.clone()).collect();
        resources.insert(OTHER.into());
        let mut subresources: BTreeSet<String> = all_res.iter().filter_map(|(_, s)| s.clone()).collect();
        subresources.insert(String::new());
        subresources.insert(OTHER.into());
        let (namespaces, names) = (self.namespaces(), self.names());
        let mut targets = Vec::new();
        for namespace in &namespaces {
            for group in &groups {
                for resource in &resources {
                    for subresource in &subresources {
                        for name in &names {
                            targets.push(Target::Resource {
                                namespace: namespace.clone(),
                                group: group.clone(),
                                resource: resource.clone(),
                                subresource: subresource.clone(),
                                name: name.clone(),
                            });
                        }
                    }
                }
            }
        }
        let mut paths: BTreeSet<String> = BTreeSet::new();
        for spec in self.rules.iter().flat_map(|r| r.non_resource_urls.iter()) {
            let prefix = spec.trim_end_matches('*');
            paths.insert(prefix.to_string());
            paths.insert(format!("{prefix}{OTHER}"));
        }
        paths.insert(format!("/{OTHER}"));
        targets.extend(paths.into_iter().map(|path| Target::NonResource { path }));
        Space { users: self.users(), actions: Actions::Product { verbs, targets } }
    }

    /// Every request that reads or writes `target`'s objects, one per class: the verbs Kubernetes
    /// serves for it, in every namespace (and cluster-wide lists and watches) for a namespaced
    /// resource, at cluster scope for TokenReviews (create only).
    pub fn requests_for(&self, target: Sensitive) -> Space {
        let resource = |namespace: &str, name: &str| Target::Resource {
            namespace: namespace.to_string(),
            group: target.group.to_string(),
            resource: target.resource.to_string(),
            subresource: String::new(),
            name: name.to_string(),
        };
        let mut actions = Vec::new();
        if !target.namespaced {
            actions.push(("create".to_string(), resource("", "")));
        } else {
            let names = self.names();
            let named: Vec<&String> = names.iter().filter(|n| !n.is_empty()).collect();
            for namespace in self.namespaces() {
                let cluster_wide = namespace.is_empty();
                for verb in ["get", "update", "patch", "delete"].iter().filter(|_| !cluster_wide) {
                    actions.extend(named.iter().map(|n| (verb.to_string(), resource(&namespace, n))));
                }
                for verb in ["list", "watch"] {
                    actions.extend(names.iter().map(|n| (verb.to_string(), resource(&namespace, n))));
                }
                if !cluster_wide {
                    actions.push(("create".into(), resource(&namespace, "")));
                    actions.push(("deletecollection".into(), resource(&namespace, "")));
                }
            }
        }
        Space { users: self.users(), actions: Actions::List(actions) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::policy::{SENSITIVE, parse};
    use proptest::prelude::*;
    use std::path::Path;

    fn policy(text: &str) -> Policy {
        parse(text.as_bytes(), Path::new("p.yaml")).expect("parses").expect("a document")
    }

    fn secret_get(user: &str, groups: &[&str], ns: &str) -> Request {
        Request {
            user: user.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            verb: "get".into(),
            target: Target::Resource {
                namespace: ns.into(),
                group: String::new(),
                resource: "secrets".into(),
                subresource: String::new(),
                name: "x".into(),
            },
        }
    }

    #[test]
    fn the_checker_semantics() {
        let p = policy(
            "kind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: None\n  users: [a]\n  omitStages: [Panic]\n\
             - level: Metadata\n  resources:\n  - resources: [\"secrets/*\"]\n- level: Request\n",
        );
        let d = p.decide(&secret_get("a", &[AUTHENTICATED], "ns"));
        assert_eq!((d.rule, d.level), (Some(0), Some(Level::None)));
        assert_eq!(d.omit_stages, BTreeSet::from(["Panic".to_string(), "RequestReceived".to_string()]));
        // `secrets/*` matches the resource itself too (checker.go trims the suffix and compares).
        assert_eq!(p.decide(&secret_get("b", &[AUTHENTICATED], "ns")).rule, Some(1));
        let path = |p: &str| Request { target: Target::NonResource { path: p.into() }, ..secret_get("b", &[], "") };
        assert_eq!(p.decide(&path("/healthz")).rule, Some(2));
        assert!(path_matches("/healthz/etcd", "/healthz*") && path_matches("/healthz", "/healthz**"));
        assert!(!path_matches("/health", "/healthz*") && path_matches("/x", "*"));
    }

    #[test]
    fn group_shadowing_is_exact() {
        // OpenShift's oauth: Metadata for the oauth group first, RequestResponse for it after.
        let p = policy(
            "kind: Policy\nrules:\n- level: Metadata\n  userGroups: [\"system:authenticated:oauth\"]\n\
             - level: RequestResponse\n  userGroups: [\"system:authenticated:oauth\"]\n- level: Metadata\n",
        );
        let l = p.landings(&p.requests_for(SENSITIVE[0]));
        assert!(l.rules[0].is_some() && l.rules[1].is_none() && l.rules[2].is_some(), "{l:?}");
        // Metadata for authenticated, Metadata for unauthenticated: nothing reaches rule 3.
        let p = policy(
            "kind: Policy\nrules:\n- level: Metadata\n  userGroups: [system:authenticated]\n\
             - level: Metadata\n  userGroups: [system:unauthenticated]\n- level: RequestResponse\n",
        );
        let l = p.landings(&p.requests_for(SENSITIVE[0]));
        assert!(l.rules[2].is_none() && l.unmatched.is_none(), "{l:?}");
    }

    #[test]
    fn verbs_split_between_rules_cover_every_verb() {
        let p = policy(
            "kind: Policy\nrules:\n- level: None\n  verbs: [get, list, watch]\n  resources: [{resources: [secrets]}]\n\
             - level: Metadata\n  verbs: [create, update, patch, delete, deletecollection]\n  resources: [{resources: [secrets]}]\n\
             - level: RequestResponse\n",
        );
        assert!(p.landings(&p.requests_for(SENSITIVE[0])).rules[2].is_none());
    }

    #[test]
    fn tokenreviews_are_cluster_scoped() {
        let p = policy("kind: Policy\nrules:\n- level: Metadata\n  namespaces: [kube-system]\n- level: Request\n");
        let tokenreviews = SENSITIVE[2];
        let l = p.landings(&p.requests_for(tokenreviews));
        assert!(l.rules[0].is_none() && l.rules[1].is_some());
        let secrets = p.landings(&p.requests_for(SENSITIVE[0]));
        assert!(secrets.rules[0].is_some() && secrets.rules[1].is_some(), "other namespaces reach rule 2");
    }

    /// Every request of the space, with every set of groups that holds one of the two, decided
    /// one by one: the oracle for [`Policy::landings`].
    fn brute_force(p: &Policy, space: &Space) -> (Vec<bool>, bool) {
        let groups: Vec<String> = p.groups().into_iter().collect();
        let actions: Vec<(String, Target)> = match &space.actions {
            Actions::List(l) => l.clone(),
            Actions::Product { verbs, targets } => {
                verbs.iter().flat_map(|v| targets.iter().map(move |t| (v.clone(), t.clone()))).collect()
            }
        };
        let mut rules = vec![false; p.rules.len()];
        let mut unmatched = false;
        for user in &space.users {
            for bits in 0u32..(1 << groups.len()) {
                let set: Vec<String> =
                    groups.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, g)| g.clone()).collect();
                if !set.iter().any(|g| g == AUTHENTICATED || g == UNAUTHENTICATED) {
                    continue;
                }
                for (verb, target) in &actions {
                    let r =
                        Request { user: user.clone(), groups: set.clone(), verb: verb.clone(), target: target.clone() };
                    match p.decide(&r).rule {
                        Some(i) => rules[i] = true,
                        None => unmatched = true,
                    }
                }
            }
        }
        (rules, unmatched)
    }

    fn rule_text() -> impl Strategy<Value = String> {
        let list = |items: &'static [&'static str]| proptest::sample::subsequence(items, 0..=items.len());
        (
            proptest::sample::select(&["None", "Metadata", "Request", "RequestResponse"][..]),
            list(&["alice", "bob"]),
            list(&["g1", "g2", "system:authenticated", "system:unauthenticated"]),
            list(&["get", "list", "create", "update"]),
            list(&["kube-system", "default", ""]),
            proptest::collection::vec(
                (
                    proptest::sample::select(&["", "authentication.k8s.io", "apps"][..]),
                    list(&["secrets", "configmaps", "tokenreviews", "*", "secrets/*", "*/status", "pods"]),
                    list(&["a", "b"]),
                ),
                0..3,
            ),
            proptest::option::weighted(0.15, list(&["/api", "/healthz*", "*"])),
        )
            .prop_map(|(level, users, groups, verbs, namespaces, resources, urls)| {
                let flow = |v: &[&str]| v.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
                let mut y = format!("- level: {level}\n");
                for (key, values) in [("users", &users), ("userGroups", &groups), ("verbs", &verbs)] {
                    if !values.is_empty() {
                        y.push_str(&format!("  {key}: [{}]\n", flow(values)));
                    }
                }
                match urls.filter(|u| !u.is_empty()) {
                    Some(urls) => y.push_str(&format!("  nonResourceURLs: [{}]\n", flow(&urls))),
                    None => {
                        if !namespaces.is_empty() {
                            y.push_str(&format!("  namespaces: [{}]\n", flow(&namespaces)));
                        }
                        if !resources.is_empty() {
                            y.push_str("  resources:\n");
                            for (group, res, names) in resources {
                                y.push_str(&format!("  - group: {group:?}\n"));
                                if !res.is_empty() {
                                    y.push_str(&format!("    resources: [{}]\n", flow(&res)));
                                    if !names.is_empty() {
                                        y.push_str(&format!("    resourceNames: [{}]\n", flow(&names)));
                                    }
                                }
                            }
                        }
                    }
                }
                y
            })
    }

    fn check_space(p: &Policy, space: &Space, text: &str) -> Result<(), TestCaseError> {
        let exact = p.landings(space);
        let (rules, unmatched) = brute_force(p, space);
        let reached: Vec<bool> = exact.rules.iter().map(Option::is_some).collect();
        prop_assert_eq!(&reached, &rules, "{}", text);
        prop_assert_eq!(exact.unmatched.is_some(), unmatched, "{}", text);
        // Each example lands where it is said to.
        for (i, example) in exact.rules.iter().enumerate() {
            if let Some(r) = example {
                prop_assert_eq!(p.decide(r).rule, Some(i), "{} {:?}", text, r);
            }
        }
        if let Some(r) = &exact.unmatched {
            prop_assert_eq!(p.decide(r).rule, None, "{}", text);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn landings_for_secrets_configmaps_and_tokenreviews_agree_with_deciding_every_request(
            rules in proptest::collection::vec(rule_text(), 1..6)
        ) {
            let text = format!("kind: Policy\nrules:\n{}", rules.concat());
            let p = policy(&text);
            for target in SENSITIVE {
                check_space(&p, &p.requests_for(target), &text)?;
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn landings_for_every_request_agree_with_deciding_every_request(
            rules in proptest::collection::vec(rule_text(), 1..5)
        ) {
            let text = format!("kind: Policy\nrules:\n{}", rules.concat());
            let p = policy(&text);
            check_space(&p, &p.everything(), &text)?;
        }
    }
}
