from modelscope.pipelines import Pipeline


class DemoPipeline:
    pass
