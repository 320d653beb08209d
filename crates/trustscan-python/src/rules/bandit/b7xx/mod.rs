//! B7xx: templates and cross-site scripting (Jinja2, Mako, Django, MarkupSafe).
//! One rule per file, named by its Bandit ID.

use crate::rules::Rule;

mod b701_jinja2_autoescape_false;
mod b702_use_of_mako_templates;
mod b703_django_mark_safe;
mod b704_markupsafe_markup_xss;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(b701_jinja2_autoescape_false::Jinja2AutoescapeFalse),
        Box::new(b702_use_of_mako_templates::UseOfMakoTemplates),
        Box::new(b703_django_mark_safe::DjangoMarkSafe),
        Box::new(b704_markupsafe_markup_xss::MarkupsafeMarkupXss),
    ]
}
