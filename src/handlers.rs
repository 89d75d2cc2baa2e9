//! Local handlers at run time: which file and function run for a LambdaFunction node or an
//! action group — a binding (`--handler`, else the project's `handlers`), else the node's or
//! group's own `localHandler` — and the environment it gets: the variables a deployed Lambda
//! has, the binding's own and `--handler-env`'s, never the user's shell.
//!
//! [`LocalHandlers::resolve`] is the one entry point every front end calls (the CLI with its
//! flags, the desktop shell with the project's bindings); the executor and the agent runtime
//! only look handlers up in what it returns.

use crate::local_code::{self, Answer, ProcessFailure, NODE_HANDLER, PYTHON_HANDLER};
use crate::model::agent::ActionGroupExecutor;
use crate::model::handler::{
    function_names, function_region, variable_problem, BindingError, HandlerBinding, HandlerSlot,
    HandlerVariable,
};
use crate::model::{FlowDefinition, Project};
use crate::nodes::NodeConfiguration;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The resolved handler bindings and variables of one run or chat.
#[derive(Debug, Clone, Default)]
pub struct LocalHandlers {
    /// Flags first, then the project's bindings they do not replace.
    bindings: Vec<Bound>,
    variables: Vec<HandlerVariable>,
    /// `AWS_REGION` for handlers whose ARN names none (the run's Bedrock region).
    region: Option<String>,
}

/// A binding whose file is resolved to an absolute path.
#[derive(Debug, Clone)]
struct Bound {
    /// What the binding came from, for messages: `--handler orders` or `handlers "orders"`.
    origin: String,
    name: String,
    path: PathBuf,
    function: String,
    environment: BTreeMap<String, String>,
}

impl LocalHandlers {
    /// Resolves the project's bindings (files relative to `project_dir`) and the flags'
    /// (files relative to `flags_dir`, the current folder), a flag replacing the project's
    /// binding of the same NAME. A flag naming nothing in the project, or a bound file that is
    /// not there, is an error; a project binding naming nothing is skipped (`strata validate`
    /// warns about it). `region` is the run's (Bedrock's), for `AWS_REGION` where a Lambda
    /// ARN names none.
    ///
    /// A bound Lambda reference that CloudFormation fills in at deploy time (an imported
    /// `${GetAtt:Fn.Arn}`, `${Ref:Fn}`, `${Sub:…}`) gets a stand-in ARN in the run's copy of
    /// `project`, `arn:aws:lambda:REGION:000000000000:function:Fn` (REGION `us-east-1` when
    /// none is known), so that the flow compiles and runs locally; it still answers to `Fn`.
    pub fn resolve(
        project: &mut Project,
        project_dir: &Path,
        flags: &[HandlerBinding],
        variables: &[HandlerVariable],
        flags_dir: &Path,
        region: Option<String>,
    ) -> Result<LocalHandlers, BindingError> {
        let unknown = |what: &'static str, name: &str| BindingError::UnknownName {
            what,
            name: name.to_owned(),
            known: project.handler_names(),
        };
        let mut bindings = Vec::new();
        for flag in flags {
            if !project.has_handler_name(&flag.name) {
                return Err(unknown("--handler", &flag.name));
            }
            let path = absolute(&flags_dir.join(&flag.file));
            if !path.is_file() {
                return Err(BindingError::MissingFile {
                    what: format!("--handler {}", flag.name),
                    path: path.display().to_string(),
                });
            }
            bindings.push(Bound {
                origin: format!("--handler {}", flag.name),
                name: flag.name.clone(),
                path,
                function: flag.function.clone(),
                environment: flag.environment.clone(),
            });
        }
        for b in &project.handlers {
            if let Some((key, problem)) = b
                .environment
                .keys()
                .find_map(|k| variable_problem(k).map(|p| (k, p)))
            {
                return Err(BindingError::Variable {
                    name: b.name.clone(),
                    key: key.clone(),
                    problem,
                });
            }
            if flags.iter().any(|f| f.name == b.name) {
                continue;
            }
            bindings.push(Bound {
                origin: format!("project handler {:?}", b.name),
                name: b.name.clone(),
                path: absolute(&project_dir.join(&b.file)),
                function: b.function.clone(),
                environment: b.environment.clone(),
            });
        }
        for v in variables {
            if !project.has_handler_name(&v.name) {
                return Err(unknown("--handler-env", &v.name));
            }
        }
        let handlers = LocalHandlers {
            bindings,
            variables: variables.to_vec(),
            region,
        };
        handlers.stand_in(project);
        Ok(handlers)
    }

    /// Gives bound references that CloudFormation fills in a stand-in ARN (see `resolve`).
    fn stand_in(&self, project: &mut Project) {
        let region = self.region.as_deref().unwrap_or("us-east-1");
        let mut stand_in = |reference: &mut String| {
            let names = function_names(reference);
            let bound = self.bindings.iter().any(|b| names.contains(&b.name));
            if let (true, true, Some(name)) = (reference.starts_with("${"), bound, names.get(1)) {
                *reference = format!("arn:aws:lambda:{region}:000000000000:function:{name}");
            }
        };
        for f in &mut project.flows {
            each_lambda_arn(&mut f.definition, &mut stand_in);
        }
        for a in &mut project.agents {
            for g in &mut a.action_groups {
                if let Some(ActionGroupExecutor::Lambda(arn)) = &mut g.action_group_executor {
                    stand_in(arn);
                }
            }
        }
    }

    /// [`resolve`](Self::resolve) for the command line: `--handler` and `--handler-env`
    /// values as typed, files relative to the current folder.
    pub fn from_flags(
        project: &mut Project,
        project_dir: &Path,
        handlers: &[String],
        environment: &[String],
        region: Option<String>,
    ) -> Result<LocalHandlers, BindingError> {
        let flags = handlers
            .iter()
            .map(|h| HandlerBinding::from_flag(h))
            .collect::<Result<Vec<_>, _>>()?;
        let variables = environment
            .iter()
            .map(|v| HandlerVariable::from_flag(v))
            .collect::<Result<Vec<_>, _>>()?;
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        LocalHandlers::resolve(project, project_dir, &flags, &variables, &cwd, region)
    }

    /// What runs for `slot`: its binding, else `local_handler` (relative to `project_dir`);
    /// `None` when neither is there.
    pub(crate) fn callee(
        &self,
        slot: &HandlerSlot<'_>,
        local_handler: Option<&str>,
        project_dir: &Path,
    ) -> Option<Callee> {
        let names = slot.names();
        let bound = self.bindings.iter().find(|b| names.contains(&b.name));
        let (label, target, mut environment) = match bound {
            Some(b) => (
                format!("{}:{} ({})", b.path.display(), b.function, b.origin),
                Ok((b.path.clone(), b.function.clone())),
                b.environment.clone(),
            ),
            None => {
                let text = local_handler.filter(|h| !h.trim().is_empty())?;
                let target = match text.rsplit_once(':') {
                    // Absolute, because the child runs in the handler's folder: a relative
                    // project path would not resolve from there.
                    Some((file, function)) => {
                        Ok((absolute(&project_dir.join(file)), function.to_owned()))
                    }
                    None => Err(format!(
                        "expected FILE:FUNCTION, e.g. handlers/enrich.py:handler, not {text:?}"
                    )),
                };
                (text.to_owned(), target, BTreeMap::new())
            }
        };
        for v in &self.variables {
            if names.contains(&v.name) {
                environment.insert(v.key.clone(), v.value.clone());
            }
        }
        environment.extend(self.lambda_variables(slot));
        Some(Callee {
            label,
            target,
            environment,
        })
    }

    /// The variables a deployed Lambda has: its name, version, memory and region.
    fn lambda_variables(&self, slot: &HandlerSlot<'_>) -> Vec<(String, String)> {
        let (arn, fallback) = match slot {
            HandlerSlot::Function {
                lambda_arn, node, ..
            } => (Some(*lambda_arn).filter(|a| !a.trim().is_empty()), *node),
            HandlerSlot::ActionGroup {
                lambda_arn, group, ..
            } => (*lambda_arn, *group),
        };
        let names = arn.map(function_names).unwrap_or_default();
        let name = names
            .get(1)
            .or(names.first())
            .map_or(fallback, String::as_str);
        let mut vars = vec![
            ("AWS_LAMBDA_FUNCTION_NAME".to_owned(), name.to_owned()),
            (
                "AWS_LAMBDA_FUNCTION_VERSION".to_owned(),
                "$LATEST".to_owned(),
            ),
            (
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_owned(),
                "128".to_owned(),
            ),
        ];
        let region = arn
            .and_then(function_region)
            .map(str::to_owned)
            .or_else(|| self.region.clone());
        if let Some(region) = region {
            vars.push(("AWS_REGION".to_owned(), region.clone()));
            vars.push(("AWS_DEFAULT_REGION".to_owned(), region));
        }
        vars
    }
}

/// Calls `f` on the `lambdaArn` of every LambdaFunction node, loop bodies included.
fn each_lambda_arn(definition: &mut FlowDefinition, f: &mut dyn FnMut(&mut String)) {
    for node in &mut definition.nodes {
        if let Some(NodeConfiguration::LambdaFunction(c)) = &mut node.configuration {
            f(&mut c.lambda_arn);
        } else if let Some(NodeConfiguration::Loop(l)) = &mut node.configuration {
            each_lambda_arn(&mut l.definition, f);
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A handler about to be called: its file and function and the environment it gets.
#[derive(Debug, Clone)]
pub(crate) struct Callee {
    /// How messages name it: the `localHandler` text, or the bound file and where the
    /// binding came from.
    pub label: String,
    /// The absolute file and the function, or why the text does not name them.
    target: Result<(PathBuf, String), String>,
    environment: BTreeMap<String, String>,
}

/// Why a handler gave no answer.
#[derive(Debug)]
pub(crate) enum CallError {
    /// It could not start: no file there, an unknown language, a malformed `FILE:FUNCTION`.
    Setup(String),
    /// Its process failed (see `local_code`).
    Process(ProcessFailure),
}

/// What the handler's `context` object says about the call.
pub(crate) struct Invocation<'a> {
    pub function_name: &'a str,
    pub function_arn: &'a str,
    pub request_id: String,
    pub remaining: Duration,
}

impl Callee {
    /// Calls the handler with `event` in its own process, in the handler's folder.
    pub(crate) async fn call(
        &self,
        event: &Value,
        invocation: Invocation<'_>,
    ) -> Result<Answer, CallError> {
        let (path, function) = self.target.clone().map_err(CallError::Setup)?;
        if !path.is_file() {
            return Err(CallError::Setup(format!("no file at {}", path.display())));
        }
        let (program, wrapper) = match path.extension().and_then(|e| e.to_str()) {
            Some("py") => ("python3", PYTHON_HANDLER),
            Some("js" | "cjs") => ("node", NODE_HANDLER),
            Some(_) | None => {
                return Err(CallError::Setup(
                    "only Python (.py) and Node (.js, .cjs) handlers run locally".to_owned(),
                ))
            }
        };
        let request = json!({
            "path": path.display().to_string(),
            "function": function,
            "event": event,
            "functionName": invocation.function_name,
            "functionArn": invocation.function_arn,
            "requestId": invocation.request_id,
            "remainingMs": u64::try_from(invocation.remaining.as_millis()).unwrap_or(u64::MAX),
        });
        let cwd = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        local_code::run_wrapper(program, wrapper, &cwd, &request, &self.environment)
            .await
            .map_err(CallError::Process)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load;

    fn project() -> Project {
        let text = serde_json::json!({
            "schemaVersion": 1, "name": "p",
            "flows": [{"name": "f", "definition": {"nodes": [
                {"name": "Enrich", "type": "LambdaFunction", "configuration": {"lambdaFunction":
                    {"lambdaArn": "arn:aws:lambda:eu-west-1:123456789012:function:enrich"}}}
            ], "connections": []}}],
            "handlers": [{"name": "enrich", "file": "h.py", "function": "handler",
                          "environment": {"TABLE": "project"}}]
        })
        .to_string();
        load(&text, "p").expect("a project").project
    }

    #[test]
    fn a_flag_replaces_the_project_binding_and_variables_reach_the_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("cli.py"), "").expect("file");
        let mut p = project();
        let flag = HandlerBinding::from_flag("enrich=cli.py:main").expect("flag");
        let var = HandlerVariable::from_flag("enrich:MODE=test").expect("variable");
        let handlers =
            LocalHandlers::resolve(&mut p, Path::new("/p"), &[flag], &[var], dir.path(), None)
                .expect("resolves");
        let slots = p.handler_slots();
        let callee = handlers
            .callee(&slots[0], None, Path::new("/p"))
            .expect("bound");
        let (path, function) = callee.target.clone().expect("a target");
        assert_eq!(
            (path, function.as_str()),
            (dir.path().join("cli.py"), "main")
        );
        assert_eq!(callee.environment.get("TABLE"), None, "replaced whole");
        assert_eq!(callee.environment["MODE"], "test");
        assert_eq!(callee.environment["AWS_LAMBDA_FUNCTION_NAME"], "enrich");
        assert_eq!(callee.environment["AWS_REGION"], "eu-west-1");

        let mut q = project();
        let project_only =
            LocalHandlers::resolve(&mut q, Path::new("/p"), &[], &[], dir.path(), None)
                .expect("resolves");
        let callee = project_only.callee(&slots[0], Some("own.py:h"), Path::new("/p"));
        let callee = callee.expect("bound");
        assert_eq!(callee.environment["TABLE"], "project");
        assert_eq!(
            callee.target.expect("a target").0,
            Path::new("/p/h.py"),
            "the binding wins over localHandler"
        );
    }

    #[test]
    fn a_name_that_matches_nothing_lists_the_names_that_exist() {
        let mut p = project();
        let flag = HandlerBinding::from_flag("enrichh=h.py:handler").expect("flag");
        let e = LocalHandlers::resolve(&mut p, Path::new("/p"), &[flag], &[], Path::new("/"), None)
            .expect_err("unknown")
            .to_string();
        assert!(
            e.contains("--handler names \"enrichh\"")
                && e.contains("arn:aws:lambda:eu-west-1:123456789012:function:enrich, enrich"),
            "{e}"
        );
        let var = HandlerVariable::from_flag("nope:A=b").expect("variable");
        let e = LocalHandlers::resolve(&mut p, Path::new("/p"), &[], &[var], Path::new("/"), None)
            .expect_err("unknown")
            .to_string();
        assert!(e.starts_with("--handler-env names \"nope\""), "{e}");
    }
}
