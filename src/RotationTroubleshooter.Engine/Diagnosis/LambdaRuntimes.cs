namespace RotationTroubleshooter.Diagnosis;

/// <summary>Lambda runtime deprecation dates from AWS's runtime page (as of 2026-11; newer deprecations are not listed).</summary>
public static class LambdaRuntimes
{
    private static readonly Dictionary<string, DateOnly> Deprecated = new(StringComparer.Ordinal)
    {
        ["python2.7"] = new(2021, 7, 15), ["python3.6"] = new(2022, 7, 18), ["python3.7"] = new(2023, 12, 4),
        ["python3.8"] = new(2024, 10, 14), ["python3.9"] = new(2025, 12, 15), ["python3.10"] = new(2026, 6, 30),
        ["nodejs12.x"] = new(2023, 3, 31), ["nodejs14.x"] = new(2023, 12, 4), ["nodejs16.x"] = new(2024, 6, 12),
        ["nodejs18.x"] = new(2025, 9, 1), ["java8"] = new(2024, 1, 8), ["go1.x"] = new(2024, 1, 8),
        ["dotnetcore3.1"] = new(2023, 4, 3), ["dotnet6"] = new(2024, 12, 20), ["ruby2.7"] = new(2023, 12, 7),
        ["provided"] = new(2024, 1, 8),
    };

    public static DateOnly? DeprecatedOn(string? runtime, DateOnly today) =>
        runtime != null && Deprecated.TryGetValue(runtime, out var date) && date <= today ? date : null;
}
