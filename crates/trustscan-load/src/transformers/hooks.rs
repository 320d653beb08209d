//! The methods transformers calls on a custom class besides constructing it, by the class's
//! role: a repository class that overrides one of them has that code run at load. Taken
//! from the `from_pretrained` paths of transformers 4.57 and 5.x (`PreTrainedModel`,
//! `PretrainedConfig`, `PreTrainedTokenizerBase`, `ProcessorMixin`,
//! `ImageProcessingMixin`/`FeatureExtractionMixin`, `Pipeline`), including the hooks their
//! constructors and loading code call back into and the dunders Python runs for them.

const MODEL: &[&str] = &[
    "from_pretrained",
    "_from_config",
    "_autoset_attn_implementation",
    "_check_and_adjust_attn_implementation",
    "_check_and_enable_sdpa",
    "_check_and_enable_flash_attn_2",
    "_set_default_torch_dtype",
    "_set_default_dtype",
    "get_init_context",
    "can_generate",
    "_can_set_attn_implementation",
    "post_init",
    "init_weights",
    "_init_weights",
    "_initialize_weights",
    "_backward_compatibility_gradient_checkpointing",
    "tie_weights",
    "tie_embeddings_and_encoder_decoder",
    "_tie_or_clone_weights",
    "_tie_embedding_weights",
    "get_input_embeddings",
    "get_output_embeddings",
    "get_decoder",
    "_load_pretrained_model",
    "_fix_state_dict_key_on_load",
    "_fix_state_dict_keys_on_load",
    "_get_key_renaming_mapping",
    "_move_missing_keys_from_meta_to_cpu",
    "_initialize_missing_keys",
    "load_state_dict",
    "_load_from_state_dict",
    "eval",
    "train",
];

const CONFIG: &[&str] = &[
    "from_pretrained",
    "get_config_dict",
    "_get_config_dict",
    "from_dict",
    "_dict_from_json_file",
    "to_dict",
    "to_diff_dict",
    "to_json_string",
    "_get_non_default_generation_parameters",
    "__repr__",
];

const TOKENIZER: &[&str] = &[
    "from_pretrained",
    "_from_pretrained",
    "get_vocab",
    "vocab_size",
    "__len__",
    "_add_tokens",
    "add_tokens",
    "add_special_tokens",
    "_update_trie",
    "_update_total_vocab_size",
    "convert_tokens_to_ids",
    "_convert_token_to_id",
    "_convert_token_to_id_with_added_voc",
    "_convert_id_to_token",
    "convert_ids_to_tokens",
    "get_added_vocab",
    "special_tokens_map",
    "all_special_tokens",
    "all_special_ids",
    "__repr__",
];

const PROCESSOR: &[&str] = &[
    "from_pretrained",
    "_get_arguments_from_pretrained",
    "from_args_and_dict",
    "get_processor_dict",
    "get_image_processor_dict",
    "get_feature_extractor_dict",
    "get_video_processor_dict",
    "from_dict",
    "to_dict",
    "__repr__",
];

const PIPELINE: &[&str] = &["_sanitize_parameters", "check_model_type"];

/// Every dynamically loaded class: `get_class_from_dynamic_module`'s callers register it.
const ALL: &[&str] = &["register_for_auto_class"];

/// The methods for an entry point of the given role (the role text the plan shows).
pub fn invoked_by_loader(role: &str) -> Vec<String> {
    let list: &[&str] = if role.starts_with("model class") {
        MODEL
    } else if role.starts_with("configuration class") {
        CONFIG
    } else if role.starts_with("tokenizer class") {
        TOKENIZER
    } else if role.starts_with("pipeline class") {
        PIPELINE
    } else if role.contains("processor") || role.contains("feature extractor") {
        PROCESSOR
    } else {
        &[]
    };
    list.iter().chain(ALL).map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_the_loaders_assign_has_hooks() {
        for role in [
            "model class: its from_pretrained and constructor run, then the weights load",
            "model class loaded by pipeline()",
            "configuration class: from_pretrained builds it",
            "tokenizer class: its from_pretrained runs",
            "processor class: its from_pretrained loads the sub-processors",
            "feature extractor class",
            "image processor class",
            "video processor class",
            "pipeline class: constructed with the model and its components",
        ] {
            assert!(!invoked_by_loader(role).is_empty(), "{role}");
        }
    }
}
