using RotationTroubleshooter.Age;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>What a rotation function's template needs in the secret (docs/reference/rotation.md, "Secret JSON each template needs").</summary>
public sealed record RotationTemplate(string Name, IReadOnlyList<string> EngineValues, IReadOnlyList<string> RequiredKeys, bool MultiUser, string IdentifiedBy)
{
    public bool IsPostgres => EngineValues.Contains("postgres");

    /// <summary>Whether the template accepts a secret's engine value (the Db2 templates any that starts with db2).</summary>
    public bool Accepts(string engine) =>
        EngineValues.Contains(engine, StringComparer.Ordinal) || (Name == "Db2" && engine.StartsWith("db2", StringComparison.Ordinal));
}

/// <summary>A secret's AWSCURRENT value against its function's template: the keys it has, those it lacks, its engine.</summary>
public sealed record TemplateFit(RotationTemplate Template, IReadOnlyList<string> KeyNames, IReadOnlyList<string> MissingKeys, string? Engine)
{
    /// <summary>False when the value names an engine the template refuses ("Database engine must be set to ...").</summary>
    public bool EngineAccepted => Engine is null || Template.Accepts(Engine);
}

public static class RotationTemplates
{
    private static readonly (string Key, string Name, string[] Engines, string[] Keys)[] Known =
    [
        ("postgresql", "PostgreSQL", ["postgres", "aurora-postgresql"], ["engine", "host", "username", "password"]),
        ("mariadb", "MariaDB", ["mariadb"], ["engine", "host", "username", "password"]),
        ("mysql", "MySQL", ["mysql", "aurora-mysql"], ["engine", "host", "username", "password"]),
        ("oracle", "Oracle", ["oracle"], ["engine", "host", "username", "password", "dbname"]),
        ("sqlserver", "SQL Server", ["sqlserver"], ["engine", "host", "username", "password"]),
        ("redshift", "Redshift", ["redshift"], ["engine", "host", "username", "password"]),
        ("mongodb", "MongoDB", ["mongo"], ["engine", "host", "username", "password"]),
        ("documentdb", "MongoDB", ["mongo"], ["engine", "host", "username", "password"]),
        // The Db2 templates accept any engine starting with db2; RDS names its editions db2-se (Standard) and db2-ae (Advanced).
        ("db2", "Db2", ["db2", "db2-se", "db2-ae"], ["engine", "host", "username", "password", "masterarn"]),
    ];

    /// <summary>
    /// The template a function was deployed from: its serverlessrepo:applicationId tag, else its name, else the
    /// secret's engine key. Null when nothing says.
    /// </summary>
    public static RotationTemplate? Identify(LambdaFunction? function, string? secretEngine) =>
        Identify(function?.Tags.GetValueOrDefault(RotationFunctionAgeService.ApplicationIdTag), function?.Configuration.FunctionName, secretEngine);

    /// <inheritdoc cref="Identify(LambdaFunction?, string?)"/>
    public static RotationTemplate? Identify(string? applicationId, string? functionName, string? secretEngine)
    {
        foreach (var (source, text) in new[] { ("its serverlessrepo:applicationId tag", applicationId?.Split('/')[^1]), ("its name", functionName) })
        {
            if (string.IsNullOrEmpty(text)) continue;
            var lower = text.ToLowerInvariant();
            foreach (var known in Known)
                if (lower.Contains(known.Key)) return Build(known, lower.Contains("multiuser") || lower.Contains("multi-user"), $"the function's {source}");
        }
        if (!string.IsNullOrEmpty(secretEngine))
            foreach (var known in Known)
                if (known.Engines.Contains(secretEngine, StringComparer.OrdinalIgnoreCase))
                    return Build(known, multiUser: false, "the secret's engine key");
        return null;
    }

    private static RotationTemplate Build((string Key, string Name, string[] Engines, string[] Keys) known, bool multiUser, string by) =>
        new(known.Name, known.Engines, multiUser && !known.Keys.Contains("masterarn") ? [.. known.Keys, "masterarn"] : known.Keys, multiUser, by);
}
