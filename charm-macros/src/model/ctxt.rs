//! Error collection, so the user sees every problem of an item at once.

/// Collects errors so the user sees all of them at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// An error covering all of `tokens` (not just their first token).
    pub(crate) fn push(&mut self, tokens: impl quote::ToTokens, msg: impl std::fmt::Display) {
        self.push_error(syn::Error::new_spanned(tokens, msg));
    }

    pub(crate) fn push_error(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub(crate) fn finish<T>(self, ok: T) -> syn::Result<T> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(ok),
        }
    }
}
