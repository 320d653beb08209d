import sentencepiece


class DemoGLMTokenizer:
    pass
