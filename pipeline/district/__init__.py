"""Many schools in one store: the district 统计表 and the merge of 统计表 workbooks schools send
in. The schools themselves and who may see which are in ``pipeline.scope``, below the stages."""
