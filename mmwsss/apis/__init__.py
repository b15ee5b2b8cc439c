"""Jobs run outside a single Runner: the pipeline of stages and the affinity-label job."""
from .affinity_labels import jobs_from_config, jobs_from_data_list, make_affinity_labels
from .done_marker import StaleOutputsError, StaleStepError
from .pipeline import is_pipeline_config, parse_stages, run_pipeline
from .rehearsal import rehearsal_pipeline_options, rehearsal_stage_options, small_stage_options

__all__ = [
    'jobs_from_config', 'jobs_from_data_list', 'make_affinity_labels', 'StaleOutputsError',
    'StaleStepError', 'is_pipeline_config', 'parse_stages', 'run_pipeline',
    'rehearsal_pipeline_options', 'rehearsal_stage_options', 'small_stage_options'
]
