using System.Collections.Concurrent;
using System.Diagnostics;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>How Test-SecretRotation runs its checks.</summary>
public sealed record DiagnosisOptions
{
    /// <summary>Which checks run and which findings are kept (-Check, -ExcludeCheck).</summary>
    public CheckSelection Selection { get; init; } = CheckSelection.All;
    /// <summary>Never call GetSecretValue.</summary>
    public bool SkipSecretValue { get; init; }
    public bool IncludeDatabaseLogin { get; init; }
    /// <summary>Never ask the database anything, not even without credentials (-SkipDatabaseProbe).</summary>
    public bool SkipDatabaseProbe { get; init; }
    /// <summary>How -IncludeDatabaseLogin connects (timeout, trusted CA).</summary>
    public DatabaseProbeOptions DatabaseProbe { get; init; } = new();
    public DateTime Now { get; init; } = DateTime.UtcNow;
    /// <summary>Told each check that ran, how long it took and what it found (for -Verbose); called on worker threads.</summary>
    public Action<RotationCheck, TimeSpan, IReadOnlyList<Finding>>? CheckRan { get; init; }
    /// <summary>Told, once a diagnosis is done, every input it read and how that went (for -Verbose); called on worker threads.</summary>
    public Action<IReadOnlyList<InputRead>>? InputsRead { get; init; }
}

/// <summary>One input a diagnosis read: how long it waited for it (a shared read already in is about 0 ms), and the failure if any.</summary>
public sealed record InputRead(Input Input, TimeSpan Took, Exception? Failure);

/// <summary>
/// One secret's diagnosis in the making: the secret, the inputs read for it (each once per diagnosis, the shared ones once
/// per run), what could not be had and who needed it, and the findings the checks add.
/// </summary>
public sealed class DiagnosisContext
{
    private readonly List<(RotationCheck? By, Finding Finding)> _findings = [];
    private readonly ConcurrentDictionary<(Input Input, object? Key), Lazy<Task>> _reads = new();
    private readonly ConcurrentQueue<InputRead> _account = new();
    private readonly Dictionary<object, Unavailability> _unavailable = [];

    public DiagnosisContext(SecretDescription secret, DiagnosisOptions options, EvidenceSource source)
    {
        Secret = secret;
        Options = options;
        Source = source;
    }

    public SecretDescription Secret { get; }
    public DiagnosisOptions Options { get; }
    public EvidenceSource Source { get; }
    public string SecretArn => Secret.ARN ?? Secret.Name ?? "";
    public string SecretName => Secret.Name ?? Secret.ARN ?? "";
    public bool HasRotationFunction => !string.IsNullOrEmpty(Secret.RotationLambdaARN);

    /// <summary>
    /// The secret's owning service rotates it itself (managed rotation): it has no function, and rotation is on or its
    /// owner turns rotation on by default (RDS and Aurora). Other owners' secrets without rotation are not rotating at all.
    /// </summary>
    public bool HasManagedRotation => HasManagedRotationConfigured(Secret);

    /// <summary>Whether the secret rotates somehow: by a function or by its owning service (Test-SecretRotation's listing keeps these).</summary>
    public static bool HasRotationConfigured(SecretDescription secret) =>
        !string.IsNullOrEmpty(secret.RotationLambdaARN) || HasManagedRotationConfigured(secret);

    private static bool HasManagedRotationConfigured(SecretDescription secret) =>
        secret.IsManagedRotation && (secret.RotationEnabled == true || OwnersRotatingByDefault.Contains(secret.Owner!));

    /// <summary>RDS rotates the secrets it manages every seven days unless told otherwise (docs/reference/rotation.md, "Managed rotation").</summary>
    private static readonly HashSet<string> OwnersRotatingByDefault = new(StringComparer.OrdinalIgnoreCase) { "rds" };

    /// <summary>Whether the checks of a target have anything to look at in this secret.</summary>
    public bool Has(CheckTarget target) => target switch
    {
        CheckTarget.RotationFunction => HasRotationFunction,
        CheckTarget.ManagedRotation => HasManagedRotation,
        CheckTarget.Rotation => HasRotationFunction || HasManagedRotation,
        _ => true,
    };

    /// <summary>The database that owns a managed secret, as its tags name it (RDS, Aurora, Redshift); null for other secrets.</summary>
    public OwningResource? OwningResource => HasManagedRotation ? OwningResource.OwnerOf(Secret) : null;

    /// <summary>Whether the checks read the input (or asked for it) in this diagnosis: what a cause may weigh.</summary>
    internal bool HasRead(Input input) => _reads.ContainsKey((input, null));

    /// <summary>The input's value for this diagnosis, read once; an input an option withholds is null.</summary>
    /// <exception cref="EvidenceUnavailableException">It could not be had.</exception>
    internal Task<T?> ReadAsync<T>(Input<T> input, CancellationToken cancellation) =>
        input.WithheldBy(Options) is not null ? Task.FromResult<T?>(default)
            : Once(input, null, () => input.ReadForAsync(new InputReader(this, input), cancellation));

    /// <summary>Reads an input for the read-ahead (which declares nothing: it reads what the chosen checks will).</summary>
    internal Task ReadAheadAsync(Input input, CancellationToken cancellation) => input.ReadAheadForAsync(this, cancellation);

    /// <summary>A shared input under a key the consumer chose, read once per diagnosis and key.</summary>
    internal Task<T?> ReadAsync<TKey, T>(SharedInput<TKey, T> input, TKey key, CancellationToken cancellation) where TKey : class =>
        input.WithheldBy(Options) is not null ? Task.FromResult<T?>(default) : Once(input, key, () => input.ReadAsync(Source, key, cancellation));

    private Task<T?> Once<T>(Input input, object? key, Func<Task<T?>> read) =>
        (Task<T?>)_reads.GetOrAdd((input, key), _ => new Lazy<Task>(() => AccountedAsync(input, read))).Value;

    private async Task<T?> AccountedAsync<T>(Input input, Func<Task<T?>> read)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var value = await read().ConfigureAwait(false);
            _account.Enqueue(new InputRead(input, Stopwatch.GetElapsedTime(started), null));
            return value;
        }
        catch (EvidenceUnavailableException e)
        {
            // A dependency's failure: the dependency is the one that could not be had.
            _account.Enqueue(new InputRead(input, Stopwatch.GetElapsedTime(started), e.Failure));
            throw;
        }
        catch (Exception e) when (EvidenceFailure.KeepsEvidence(e))
        {
            _account.Enqueue(new InputRead(input, Stopwatch.GetElapsedTime(started), e));
            // A deleted function surfacing in its logs' read is the function's absence, not the logs'.
            var owner = CheckCatalogue.Closure([input]).FirstOrDefault(i => IsAbsenceOf(i, e)) ?? input;
            throw new EvidenceUnavailableException(owner, e);
        }
    }

    private static bool IsAbsenceOf(Input input, Exception failure) =>
        input.MissingErrorId is { } id && failure is TroubleshooterException { ErrorId: var errorId } && errorId == id;

    /// <summary>Every input this diagnosis read, in the order they came in.</summary>
    internal IReadOnlyList<InputRead> Reads => [.. _account];

    /// <summary>A check stopped for want of an input.</summary>
    internal void CouldNotRun(RotationCheck check, EvidenceUnavailableException e)
    {
        var unavailable = Unavailable(e.Input, e.Failure);
        lock (_unavailable) unavailable.Stopped.Add(check);
    }

    /// <summary>A check failed on its own (not for want of an input).</summary>
    internal void CouldNotRun(RotationCheck check, TroubleshooterException e)
    {
        var unavailable = Unavailable(check, e);
        lock (_unavailable) unavailable.Stopped.Add(check);
    }

    /// <summary>A consumer went on without an input; <paramref name="consumer"/> null when an input being worked out did.</summary>
    internal void WentWithout(string? consumer, EvidenceUnavailableException e)
    {
        var unavailable = Unavailable(e.Input, e.Failure);
        if (consumer is not null) lock (_unavailable) unavailable.WentWithout.Add(consumer);
    }

    private Unavailability Unavailable(object what, Exception failure)
    {
        lock (_unavailable)
        {
            if (!_unavailable.TryGetValue(what, out var unavailable))
                _unavailable[what] = unavailable = new Unavailability(what as Input, failure);
            return unavailable;
        }
    }

    /// <summary>Whether an input the status rests on could not be read (denied, throttled): the status is then Unknown unless something failed.</summary>
    internal bool Undecided
    {
        get
        {
            lock (_unavailable) return _unavailable.Values.Any(u => u.Input is { Decisive: true } input && !IsAbsenceOf(input, u.Failure));
        }
    }

    /// <summary>Adds a finding of <paramref name="by"/> (null: the diagnosis itself); another check's finding of the same id becomes more evidence of one finding.</summary>
    internal void Add(RotationCheck? by, Finding finding)
    {
        lock (_findings) _findings.Add((by, finding.About(SecretArn, SecretName)));
    }

    /// <summary>What one check added so far.</summary>
    internal IReadOnlyList<Finding> FindingsOf(RotationCheck check)
    {
        lock (_findings) return _findings.Where(f => f.By == check).Select(f => f.Finding).ToList();
    }

    /// <summary>
    /// The kept findings, one per id (in check order, evidence merged), most severe first, with a CheckSkipped for each
    /// input that could not be had, naming the checks that could not run without it.
    /// </summary>
    public IReadOnlyList<Finding> Findings()
    {
        var order = CheckCatalogue.Checks.ToList();
        int Rank(RotationCheck? check) => check is null ? int.MaxValue : order.IndexOf(check);
        List<(RotationCheck? By, Finding Finding)> all;
        lock (_findings) all = [.. _findings];
        all.AddRange(Skipped(Rank));
        var merged = new List<Finding>();
        foreach (var (by, finding) in all.OrderBy(f => Rank(f.By)))
        {
            if (!Options.Selection.Keeps(finding, by)) continue;
            var at = merged.FindIndex(f => f.CheckId == finding.CheckId);
            if (at < 0) merged.Add(finding);
            else merged[at] = merged[at].MergedWith(finding, joinText: finding.CheckId == CheckCatalogue.CheckSkipped.Id);
        }
        return merged.OrderBy(f => f.Severity).ThenBy(f => f.CheckId, StringComparer.Ordinal).ToList();
    }

    /// <summary>One CheckSkipped per input that could not be had (a deleted function aside: a check says that it is gone).</summary>
    private List<(RotationCheck? By, Finding Finding)> Skipped(Func<RotationCheck?, int> rank)
    {
        lock (_unavailable)
            return _unavailable.Values
                .Where(u => !(u.Input is { } input && IsAbsenceOf(input, u.Failure)))
                .Select(u => (u, Stopped: u.Stopped.Distinct().OrderBy(rank).ToList()))
                .Select(x => (x.Stopped.FirstOrDefault(), x.u.Finding(x.Stopped).About(SecretArn, SecretName)))
                .ToList();
    }

    private sealed class Unavailability(Input? input, Exception failure)
    {
        public Input? Input { get; } = input;
        public Exception Failure { get; } = failure;
        public List<RotationCheck> Stopped { get; } = [];
        public List<string> WentWithout { get; } = [];

        public Finding Finding(IReadOnlyList<RotationCheck> stopped)
        {
            var without = WentWithout.Distinct().ToList();
            // Who could not run, in the words today's scripts match ("... could not run: ..."): the checks it stopped, else
            // those that went on without it.
            var who = stopped.Count > 0 ? $"{string.Join(", ", stopped.Select(c => c.Id))} could not run"
                : without.Count > 0 ? $"{string.Join(", ", without)} could not run in full"
                : $"Part of the diagnosis could not run without {Input?.Description ?? "its evidence"}";
            if (Failure is AwsServiceException aws)
                return CheckCatalogue.CheckSkipped.Raise([aws.Message], $"{who}: {aws.ErrorCode ?? aws.Kind.ToString()} on {aws.IamAction}.",
                    aws.Kind == AwsErrorKind.AccessDenied ? $"Allow {aws.IamAction} to the identity running the diagnosis." : "Try again later.");
            var id = (Failure as TroubleshooterException)?.ErrorId ?? Failure.GetType().Name;
            return CheckCatalogue.CheckSkipped.Raise([id], $"{who}: {Failure.Message}",
                stopped.Count > 0 ? $"Fix what the message names, then run Test-SecretRotation -Check {string.Join(",", stopped.Select(c => c.Id))} again; the other checks ran."
                    : "Fix what the message names, then run Test-SecretRotation again.",
                FindingSeverity.Info);
        }
    }
}
