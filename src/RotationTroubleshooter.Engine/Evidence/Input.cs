using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;

namespace RotationTroubleshooter.Evidence;

/// <summary>Who shares one read of an input: one diagnosis, or every diagnosis and cmdlet of the run with the same key.</summary>
public enum InputScope
{
    /// <summary>Worked out per diagnosis from other inputs (not shared).</summary>
    Diagnosis,
    Secret,
    Function,
    Stack,
    Vpc,
    Database,
    KmsKey,
    /// <summary>One read per account and region: the run's session (its region, its credentials).</summary>
    Account,
}

/// <summary>
/// One piece of evidence, declared once (under Evidence/): what it is, the IAM actions reading it calls, who shares one
/// read of it, the inputs it is worked out from, whether a listing's secrets may read it ahead of their diagnoses, and
/// the options that keep the diagnosis from reading it. Checks and causes name the inputs they consume; the catalogue
/// derives from these declarations the permissions, the read-ahead, -Verbose's account of what was read and the
/// CheckSkipped findings for what could not be had. Reads go through <see cref="RunCache"/>'s one failure policy.
/// </summary>
public abstract class Input
{
    private protected Input() { }

    /// <summary>A stable name (-Verbose, the docs' input table), e.g. <c>Function</c>.</summary>
    public required string Id { get; init; }

    /// <summary>What it is, as a phrase that follows "read" or "could not read", e.g. "the rotation function's configuration and tags".</summary>
    public required string Description { get; init; }

    /// <summary>The IAM actions reading it calls itself (those of the inputs it depends on come with them).</summary>
    public IReadOnlyList<string> Permissions { get; init; } = [];

    /// <summary>The inputs its key or its value is worked out from; reading it may read them, and only them.</summary>
    public IReadOnlyList<Input> DependsOn { get; init; } = [];

    /// <summary><see cref="DependsOn"/> as a set, made once: what an <see cref="InputReader"/> allows.</summary>
    internal IReadOnlySet<Input> Dependencies => _dependencies ??= DependsOn.ToHashSet();
    private IReadOnlySet<Input>? _dependencies;

    public abstract InputScope Scope { get; }

    /// <summary>Whether a listed secret reads it (and what it depends on) as soon as the listing names it, before its diagnosis.</summary>
    public bool ReadAhead { get; init; }

    /// <summary>The switch that keeps the diagnosis from reading it (e.g. "-SkipSecretValue"); null when the options allow it.</summary>
    public Func<DiagnosisOptions, string?> WithheldBy { get; init; } = _ => null;

    /// <summary>
    /// The error id that says the thing does not exist (FunctionNotFound): a fact a check judges (RotationFunctionMissing),
    /// not evidence that could not be had. Wherever it surfaces (also inside an input that depends on this one), the
    /// checks that needed it stay quiet instead of each saying it could not run.
    /// </summary>
    public string? MissingErrorId { get; init; }

    /// <summary>Without it the diagnosis cannot call the rotation healthy: when it cannot be read, the status is Unknown.</summary>
    public bool Decisive { get; init; }

    /// <summary>How a listing reads this input for many secrets at once; null when it is read one key at a time.</summary>
    internal virtual BatchReader? Batcher => null;

    internal abstract Task ReadAheadForAsync(DiagnosisContext context, CancellationToken cancellation);

    public override string ToString() => Id;
}

/// <summary>An input whose value is a <typeparamref name="T"/> (null: nothing to read for this secret).</summary>
public abstract class Input<T> : Input
{
    /// <summary>How one diagnosis reads it: its key and the shared read, or its derivation.</summary>
    internal abstract Task<T?> ReadForAsync(InputReader reader, CancellationToken cancellation);

    internal override Task ReadAheadForAsync(DiagnosisContext context, CancellationToken cancellation) => context.ReadAsync(this, cancellation);
}

/// <summary>
/// Evidence worked out per diagnosis from other inputs (a template from the function and the value, the latest attempt
/// from the function's logs, what the database answers at the value's host).
/// </summary>
public sealed class DerivedInput<T> : Input<T>
{
    public override InputScope Scope => InputScope.Diagnosis;

    /// <summary>Works it out, reading only <see cref="Input.DependsOn"/> through the reader; null when there is nothing to say.</summary>
    public required Func<InputReader, CancellationToken, Task<T?>> Derive { get; init; }

    internal override Task<T?> ReadForAsync(InputReader reader, CancellationToken cancellation) =>
        reader.Source.Given(this, null, cancellation) ?? Derive(reader, cancellation);
}

/// <summary>
/// Evidence read once per run and key, shared by every diagnosis and cmdlet of the run that asks for the same key (a
/// function by its ARN, a VPC by its id, the RDS listing by the account). Services that offer the same read to cmdlets
/// call <see cref="GetAsync"/>, so a cmdlet and a diagnosis share one request.
/// </summary>
public sealed class SharedInput<TKey, T> : Input<T> where TKey : class
{
    public required InputScope SharedBy { get; init; }

    public override InputScope Scope => SharedBy;

    /// <summary>The read itself, uncached (the run's cache keeps it).</summary>
    public required Func<AwsSession, TKey, CancellationToken, Task<T>> Fetch { get; init; }

    /// <summary>A diagnosis' key from its secret alone; null when the secret has nothing to read (no function, no owner).</summary>
    public Func<InputReader, TKey?>? Key { get; init; }

    /// <summary>A diagnosis' key from the inputs it depends on (e.g. the function's VPC); null when there is nothing to read.</summary>
    public Func<InputReader, CancellationToken, Task<TKey?>>? KeyAsync { get; init; }

    public CacheLifetime Lifetime { get; init; } = CacheLifetime.Run;

    /// <summary>Read many keys in one request when a listing reads ahead (BatchGetSecretValue); null when it cannot.</summary>
    public InputBatch<TKey, T>? Batch { get; init; }

    /// <summary>The run's shared read of <paramref name="key"/>.</summary>
    public Task<T> GetAsync(AwsSession session, TKey key, CancellationToken cancellation) =>
        GetAsync(session, key, ct => Fetch(session, key, ct), cancellation);

    /// <summary>
    /// The run's shared read of <paramref name="key"/>, made by <paramref name="fetch"/> when no caller has asked yet: for
    /// the service that does the work, so that its own settings (a test's limits) read it.
    /// </summary>
    public Task<T> GetAsync(AwsSession session, TKey key, Func<CancellationToken, Task<T>> fetch, CancellationToken cancellation) =>
        session.Cache.GetAsync(this, key, fetch, cancellation, Lifetime);

    /// <summary>
    /// Reads the keys no caller has asked for yet in batches of <see cref="InputBatch{TKey,T}.Size"/>; a key a batch
    /// does not answer is read on its own when it is asked for, so that its failure is the single read's. Completes
    /// when the batch is answered; does not fail.
    /// </summary>
    public async Task ReadAheadAsync(AwsSession session, IReadOnlyCollection<TKey> keys, CancellationToken cancellation)
    {
        var batch = Batch ?? throw new InvalidOperationException($"{Id} cannot be read in batches.");
        if (keys.Count > batch.Size) throw new ArgumentException($"At most {batch.Size} keys per batch.", nameof(keys));
        var answered = new TaskCompletionSource<IReadOnlyDictionary<TKey, T>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var mine = session.Cache.Claim<TKey, T>(this, keys, async key =>
            (await answered.Task.ConfigureAwait(false)).TryGetValue(key, out var value) ? value : await Fetch(session, key, cancellation).ConfigureAwait(false));
        if (mine.Count == 0) return;
        IReadOnlyDictionary<TKey, T> read = new Dictionary<TKey, T>();
        try
        {
            read = await batch.Fetch(session, mine, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TroubleshooterException or OperationCanceledException)
        {
            // Throttled past the retries, refused or stopped: each key is read on its own when it is asked for.
        }
        finally
        {
            answered.SetResult(read);
        }
    }

    internal override BatchReader? Batcher => Batch is null ? null : _batcher ??= new KeyedBatchReader<TKey, T>(this);
    private BatchReader? _batcher;

    internal override async Task<T?> ReadForAsync(InputReader reader, CancellationToken cancellation)
    {
        var key = Key is not null ? Key(reader)
            : KeyAsync is not null ? await KeyAsync(reader, cancellation).ConfigureAwait(false)
            : throw new InvalidOperationException($"{Id} declares no Key or KeyAsync.");
        return key is null ? default : await ReadAsync(reader.Source, key, cancellation).ConfigureAwait(false);
    }

    internal async Task<T?> ReadAsync(EvidenceSource source, TKey key, CancellationToken cancellation) =>
        await (source.Given(this, key, cancellation) ?? GetAsync(source.Session
            ?? throw new InvalidOperationException($"No {Id} was given to this diagnosis."), key, cancellation)!).ConfigureAwait(false);
}

/// <summary>A batched input as the read-ahead sees it: a listed secret's key (from the secret alone), and one batch of keys.</summary>
internal abstract class BatchReader
{
    public abstract int Size { get; }
    public abstract object? KeyOf(InputReader reader);
    public abstract Task ReadAsync(AwsSession session, IReadOnlyList<object> keys, CancellationToken cancellation);
}

internal sealed class KeyedBatchReader<TKey, T>(SharedInput<TKey, T> input) : BatchReader where TKey : class
{
    public override int Size => input.Batch!.Size;

    public override object? KeyOf(InputReader reader) =>
        (input.Key ?? throw new InvalidOperationException($"{input.Id} is read in batches, so its Key comes from the secret alone (no KeyAsync).")).Invoke(reader);

    public override Task ReadAsync(AwsSession session, IReadOnlyList<object> keys, CancellationToken cancellation) =>
        input.ReadAheadAsync(session, [.. keys.Cast<TKey>()], cancellation);
}

/// <summary>How a <see cref="SharedInput{TKey,T}"/> is read many keys at a time: at most <paramref name="Size"/> per request.</summary>
/// <param name="Fetch">One request: the answers by key; a key left out is read on its own when asked for.</param>
public sealed record InputBatch<TKey, T>(int Size, Func<AwsSession, IReadOnlyList<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, T>>> Fetch);
