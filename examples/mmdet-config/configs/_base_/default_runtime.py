default_scope = 'mmdet'
log_level = 'INFO'
