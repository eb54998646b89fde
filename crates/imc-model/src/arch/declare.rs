//! The macro that turns the one declaration of the architecture's parameters (in `arch.rs`)
//! into everything else that needs them: the group structs and [`crate::Architecture`], the
//! table [`crate::arch::PARAMS`] that files and `--set` are checked against, the resolution of
//! [`crate::arch::Settings`] with defaults, and [`crate::Architecture::values`].
//!
//! A declaration is a list of groups, each a list of parameters:
//!
//! ```text
//! /// group doc
//! crossbar: Crossbar {
//!     /// field doc: what it is, its unit and source
//!     [5] rows: u64 = 128, int(8, 4096);
//!     [15] dac_bits: u32 = 1, int(1, 8);
//!     [11] parallel_rows: u64 = rows, int(1, 4096);
//! }
//! adc: Adc {
//!     [8] bits "adc_bits": u32 = 5, int(1, 12);
//! }
//! ```
//!
//! - `[N]` is the parameter's position in `PARAMS`, the order reports list parameters in. Every
//!   position from 0 to the count must be used once; a gap or a repeat fails to compile.
//! - The field's name is the parameter's name unless a string after it gives another.
//! - The default is an expression of the field's type. It may use fields declared before it in
//!   its own group by name (`rows`), and earlier groups as `group.field` (`cell.device`).
//! - The kind (`int`, `real`, `Kind::Bool`, `Kind::Choice(Enum::WORDS)`) is what a value
//!   must be to pass [`crate::param::Param::check`]; a test checks that every default passes.

/// The parameter's name: the string given, or the field's name.
macro_rules! param_name {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident $name:literal) => {
        $name
    };
}
pub(crate) use param_name;

/// See the module documentation.
macro_rules! architecture {
    ($(
        $(#[doc = $gdoc:literal])*
        $group:ident: $Group:ident {
            $(
                $(#[doc = $doc:literal])*
                [$pos:literal] $field:ident $($name:literal)?: $ty:ty = $default:expr, $kind:expr;
            )+
        }
    )+) => {
        $(
            $(#[doc = $gdoc])*
            #[derive(Debug, Clone, Copy, PartialEq)]
            pub struct $Group {
                $(
                    #[doc = concat!(
                        "`", $crate::arch::declare::param_name!($field $($name)?), "`",
                        " (default `", stringify!($default), "`):"
                    )]
                    $(#[doc = $doc])*
                    pub $field: $ty,
                )+
            }
        )+

        /// Every parameter resolved (defaults applied) and the combination checked, in groups.
        /// Each field's documentation gives the parameter's name in files and its default.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct Architecture {
            $(
                $(#[doc = $gdoc])*
                pub $group: $Group,
            )+
            /// Calibration factors by part (not parameters: a calibration file sets them; all
            /// 1 by default).
            pub factors: $crate::factors::Factors,
        }

        const COUNT: usize = 0 $($(+ { let _ = $pos; 1 })+)+;

        /// Every parameter, in the order reports list them.
        pub const PARAMS: [$crate::param::Param; COUNT] = {
            let mut table = [$crate::param::Param {
                name: "",
                kind: $crate::param::Kind::Bool,
                default: "",
                doc: "",
            }; COUNT];
            $($(
                table[$pos] = $crate::param::Param {
                    name: $crate::arch::declare::param_name!($field $($name)?),
                    kind: $kind,
                    default: stringify!($default),
                    doc: concat!($($doc, "\n"),*),
                };
            )+)+
            let mut i = 0;
            while i < table.len() {
                assert!(!table[i].name.is_empty(), "a position of PARAMS is not used");
                i += 1;
            }
            table
        };

        impl $crate::arch::Settings {
            /// The architecture: each parameter as set, or its default; then the combination
            /// is checked.
            pub fn resolve(&self) -> Result<Architecture, $crate::ModelError> {
                use $crate::param::ParamType;
                let set = &self.0;
                $(
                    let $group = {
                        $(
                            let $field: $ty = match set[$pos] {
                                Some(s) => <$ty>::from_setting(s),
                                None => $default,
                            };
                        )+
                        $Group { $($field),+ }
                    };
                )+
                let a = Architecture {
                    $($group,)+
                    factors: $crate::factors::Factors::default(),
                };
                a.check_combinations()?;
                Ok(a)
            }
        }

        impl Architecture {
            /// The resolved parameters as (name, value) pairs, in `PARAMS` order.
            pub fn values(&self) -> Vec<(&'static str, $crate::param::Value)> {
                use $crate::param::ParamType;
                let mut values = vec![("", $crate::param::Value::Bool(false)); PARAMS.len()];
                $($(
                    values[$pos] = (PARAMS[$pos].name, self.$group.$field.to_value());
                )+)+
                values
            }
        }
    };
}
pub(crate) use architecture;
