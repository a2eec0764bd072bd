namespace RotationTroubleshooter.Diagnosis;

/// <summary>Where a check looks; orders the catalogue and its documentation.</summary>
public enum CheckArea { Configuration, OwningService, Function, SecretValue, Logs, Bundle, Network, Database }

/// <summary>
/// What a check looks at: a rotation function; the rotation an owning service does itself (managed rotation); either
/// kind of rotation; or any secret.
/// </summary>
public enum CheckTarget { RotationFunction, ManagedRotation, Rotation, Secret }

/// <summary>
/// One check of Test-SecretRotation: a class under Diagnosis/Checks, found by <see cref="CheckCatalogue"/>. It declares
/// what it looks at and every finding it can raise, and adds findings to the diagnosis context it is given; the inputs it
/// asks the context for (function, logs, bundle, network path, ...) are fetched once per run however many checks ask.
/// </summary>
public abstract class RotationCheck
{
    /// <summary>The stable id -Check and -ExcludeCheck take.</summary>
    public abstract string Id { get; }

    /// <summary>One line: what the check looks at (tab completion, docs).</summary>
    public abstract string Description { get; }

    public abstract CheckArea Area { get; }

    /// <summary>Every finding the check can raise.</summary>
    public abstract IReadOnlyList<FindingDefinition> Findings { get; }

    /// <summary>The IAM actions the check calls (the identity running the diagnosis needs them).</summary>
    public abstract IReadOnlyList<string> Permissions { get; }

    /// <summary>What the check looks at; most look at the rotation function, and do not apply to managed rotation.</summary>
    public virtual CheckTarget Target => CheckTarget.RotationFunction;

    /// <summary>Whether the check has anything to look at for this secret (its target, and what else it needs).</summary>
    public virtual bool AppliesTo(DiagnosisContext context) => context.Has(Target);

    public abstract Task RunAsync(DiagnosisContext context, CancellationToken cancellation);

    public override string ToString() => Id;
}
