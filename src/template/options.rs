//! The options of the `template` module that change how a template file is parsed, with
//! Ansible's defaults. Knows nothing of files or variables.

use minijinja::syntax::SyntaxConfig;

/// How a template file is parsed and its output written (the `template` module's options).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TemplateOptions {
    /// Remove the first newline after a block tag (Ansible: true).
    pub trim_blocks: bool,
    /// Strip spaces and tabs before a block tag at the start of a line (Ansible: false).
    pub lstrip_blocks: bool,
    /// The newline written for every newline of the template (`\n`, `\r\n` or `\r`).
    pub newline_sequence: String,
    /// Opens a block tag (`{%`).
    pub block_start_string: String,
    /// Closes a block tag (`%}`).
    pub block_end_string: String,
    /// Opens an expression (`{{`).
    pub variable_start_string: String,
    /// Closes an expression (`}}`).
    pub variable_end_string: String,
    /// Opens a comment (`{#`).
    pub comment_start_string: String,
    /// Closes a comment (`#}`).
    pub comment_end_string: String,
}

impl Default for TemplateOptions {
    fn default() -> TemplateOptions {
        TemplateOptions {
            trim_blocks: true,
            lstrip_blocks: false,
            newline_sequence: "\n".into(),
            block_start_string: "{%".into(),
            block_end_string: "%}".into(),
            variable_start_string: "{{".into(),
            variable_end_string: "}}".into(),
            comment_start_string: "{#".into(),
            comment_end_string: "#}".into(),
        }
    }
}

impl TemplateOptions {
    /// The minijinja syntax these options describe (trailing newlines are always kept).
    pub(crate) fn syntax(&self) -> Result<SyntaxConfig, minijinja::Error> {
        SyntaxConfig::builder()
            .block_delimiters(
                self.block_start_string.clone(),
                self.block_end_string.clone(),
            )
            .variable_delimiters(
                self.variable_start_string.clone(),
                self.variable_end_string.clone(),
            )
            .comment_delimiters(
                self.comment_start_string.clone(),
                self.comment_end_string.clone(),
            )
            .trim_blocks(self.trim_blocks)
            .lstrip_blocks(self.lstrip_blocks)
            .keep_trailing_newline(true)
            .build()
    }

    /// Whether the template's tags are Jinja's usual `{{ }}`, `{% %}` and `{# #}` (then a
    /// template that is exactly one `{{ expr }}` gives the expression's value).
    pub(crate) fn default_delimiters(&self) -> bool {
        let d = TemplateOptions::default();
        self.block_start_string == d.block_start_string
            && self.block_end_string == d.block_end_string
            && self.variable_start_string == d.variable_start_string
            && self.variable_end_string == d.variable_end_string
            && self.comment_start_string == d.comment_start_string
            && self.comment_end_string == d.comment_end_string
    }

    /// Whether these options parse like the environment used for variables and arguments.
    pub(crate) fn is_default_syntax(&self) -> bool {
        let mut plain = self.clone();
        plain.newline_sequence = "\n".into();
        plain == TemplateOptions::default()
    }
}
