using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>Where a check looks; orders the catalogue and its documentation.</summary>
public enum CheckArea { Configuration, OwningService, Function, SecretValue, Logs, Bundle, Network, Database }

/// <summary>
/// What a check looks at: a rotation function; the rotation an owning service does itself (managed rotation); either
/// kind of rotation; or any secret.
/// </summary>
public enum CheckTarget { RotationFunction, ManagedRotation, Rotation, Secret }

/// <summary>
/// One check of Test-SecretRotation: a class under Diagnosis/Checks named <c>&lt;Id&gt;Check</c>, found by
/// <see cref="CheckCatalogue"/>. It declares what it looks at, the inputs it judges (Evidence/), and every finding it can
/// raise; it reads the inputs through the <see cref="CheckContext"/> it is given and adds findings to it. Inputs are read
/// once per run however many checks ask; one that cannot be had stops the check, and the diagnosis says so once.
/// </summary>
public abstract class RotationCheck
{
    private const string Suffix = "Check";

    protected RotationCheck()
    {
        var name = GetType().Name;
        Id = name.EndsWith(Suffix, StringComparison.Ordinal) && name.Length > Suffix.Length ? name[..^Suffix.Length]
            : throw new InvalidOperationException($"A check's class is named <Id>Check; {name} is not.");
    }

    /// <summary>The stable id -Check and -ExcludeCheck take: the class name without "Check".</summary>
    public string Id { get; }

    /// <summary>One line: what the check looks at (tab completion, docs).</summary>
    public abstract string Description { get; }

    public abstract CheckArea Area { get; }

    /// <summary>Every finding the check can raise.</summary>
    public abstract IReadOnlyList<FindingDefinition> Findings { get; }

    /// <summary>
    /// The inputs the check judges: it runs only where the options allow them all (e.g. not the secret's value with
    /// -SkipSecretValue), and the IAM actions it needs come from them.
    /// </summary>
    public virtual IReadOnlyList<Input> Inputs => [];

    /// <summary>Inputs that only sharpen the judgement: the check runs without them (and reads them with TryGetAsync).</summary>
    public virtual IReadOnlyList<Input> OptionalInputs => [];

    /// <summary><see cref="Inputs"/> and <see cref="OptionalInputs"/>, made once: what its <see cref="CheckContext"/> allows.</summary>
    internal IReadOnlySet<Input> Declared => _declared ??= new HashSet<Input>([.. Inputs, .. OptionalInputs]);
    private IReadOnlySet<Input>? _declared;

    /// <summary>What the check looks at; most look at the rotation function, and do not apply to managed rotation.</summary>
    public virtual CheckTarget Target => CheckTarget.RotationFunction;

    /// <summary>Whether the secret gives the check anything to look at, beyond its target (e.g. a customer managed key).</summary>
    public virtual bool AppliesTo(DiagnosisContext context) => true;

    public abstract Task RunAsync(CheckContext context, CancellationToken cancellation);

    public override string ToString() => Id;
}

/// <summary>What a check sees of one diagnosis: the secret, its declared inputs, and where its findings go.</summary>
public sealed class CheckContext : EvidenceReader
{
    private readonly RotationCheck _check;

    internal CheckContext(DiagnosisContext context, RotationCheck check)
        : base(context, check.Declared, check.Id) => _check = check;

    private protected override string Consumer => $"Check {_check.Id}";

    /// <summary>Adds a finding; another check's finding of the same id becomes more evidence of one finding.</summary>
    public void Add(Finding finding) => Context.Add(_check, finding);
}
