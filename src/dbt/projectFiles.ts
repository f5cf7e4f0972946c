/** Kinds of the files of a dbt project, by name. */

/** A YAML file (properties, sources, dbt_project.yml): `.yml` or `.yaml`. */
export const isYamlFile = (path: string): boolean => /\.ya?ml$/i.test(path);
