"""Many schools in one store: the schools and their profiles, who may see which school, the
district 统计表 and the merge of 统计表 workbooks schools send in."""
