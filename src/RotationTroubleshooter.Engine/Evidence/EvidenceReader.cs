using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;

namespace RotationTroubleshooter.Evidence;

/// <summary>
/// Where the diagnoses of a run read their inputs: through the run's session (each shared input once per key, under the
/// one cache and failure policy), or, for unit tests, from answers given per input (no AWS).
/// </summary>
public sealed class EvidenceSource
{
    private readonly Dictionary<Input, Func<object?, CancellationToken, Task<object?>>> _given = [];

    public EvidenceSource(AwsSession session)
    {
        Session = session;
        RegionName = session.Connection.RegionName;
    }

    /// <summary>Without AWS: every input a diagnosis reads must be given with <see cref="With{T}"/>.</summary>
    public EvidenceSource(string regionName) => RegionName = regionName;

    public AwsSession? Session { get; }
    public string RegionName { get; }

    /// <summary>
    /// Answers <paramref name="input"/> with <paramref name="answer"/> (given the key a diagnosis computed, or null for a
    /// derived input) instead of reading it; what depends on it is still worked out as in a run.
    /// </summary>
    public EvidenceSource With<T>(Input<T> input, Func<object?, CancellationToken, Task<T?>> answer)
    {
        _given[input] = async (key, cancellation) => await answer(key, cancellation).ConfigureAwait(false);
        return this;
    }

    internal Task<T?>? Given<T>(Input<T> input, object? key, CancellationToken cancellation) =>
        _given.TryGetValue(input, out var answer) ? Typed<T>(answer(key, cancellation)) : null;

    private static async Task<T?> Typed<T>(Task<object?> answer) => (T?)await answer.ConfigureAwait(false);
}

/// <summary>
/// An input could not be had: denied, throttled past the retries, missing, or refused by the engine (an unreadable
/// bundle). <see cref="Input"/> is the input whose own read failed (a derived input's dependency, when that failed).
/// </summary>
public sealed class EvidenceUnavailableException(Input input, Exception failure)
    : Exception($"{input.Description} could not be read: {failure.Message}", failure)
{
    public Input Input { get; } = input;
    public Exception Failure { get; } = failure;

    /// <summary>The thing asked for does not exist (a deleted function).</summary>
    public bool Missing => EvidenceFailure.IsMissing(Failure);
}

/// <summary>Whether an input was read in this diagnosis, and if not, why.</summary>
public enum ReadingState
{
    Read,
    /// <summary>No check that ran read it (left out with -Check or -ExcludeCheck, or not needed for this secret).</summary>
    NotGathered,
    /// <summary>An option keeps the diagnosis from reading it (<see cref="Reading{T}.Reason"/> names the switch).</summary>
    Withheld,
    /// <summary>It could not be read (<see cref="Reading{T}.Failure"/>); the diagnosis says so once as CheckSkipped.</summary>
    Unavailable,
}

/// <summary>An input as a cause sees it: its value, or why there is none.</summary>
public readonly record struct Reading<T>(ReadingState State, T? Value, string? Reason = null, Exception? Failure = null)
{
    public bool WasRead => State == ReadingState.Read;
}

/// <summary>
/// What one consumer (a check, a cause family, an input being worked out) may read of one diagnosis: the secret, the
/// options, and the inputs it declared (a read of any other is a programming error, caught by the catalogue's tests).
/// Each input is read once per diagnosis, however many consumers ask.
/// </summary>
public abstract class EvidenceReader
{
    private readonly IReadOnlySet<Input> _declared;
    private readonly string? _goesWithout;

    /// <param name="declared">The consumer's inputs, one set per consumer for the run (a reader is made per consumer and diagnosis).</param>
    /// <param name="goesWithout">
    /// How the diagnosis names the consumer when it goes on without an input that cannot be had (a check's id); null for
    /// an input being worked out (whoever needed it is named instead).
    /// </param>
    private protected EvidenceReader(DiagnosisContext context, IReadOnlySet<Input> declared, string? goesWithout)
    {
        Context = context;
        _declared = declared;
        _goesWithout = goesWithout;
    }

    /// <summary>Who reads, for the error a read of an undeclared input raises.</summary>
    private protected abstract string Consumer { get; }

    private protected DiagnosisContext Context { get; }

    public SecretDescription Secret => Context.Secret;
    public DiagnosisOptions Options => Context.Options;
    public string SecretArn => Context.SecretArn;
    public string SecretName => Context.SecretName;
    public string RegionName => Context.Source.RegionName;
    public bool HasManagedRotation => Context.HasManagedRotation;
    public OwningResource? OwningResource => Context.OwningResource;
    internal EvidenceSource Source => Context.Source;

    /// <summary>
    /// The input's value (null: nothing to read for this secret, or an option withholds it). When it cannot be had this
    /// throws <see cref="EvidenceUnavailableException"/>: a check that lets it escape stops, and the diagnosis says once
    /// that it could not run; a check may catch it for a failure it judges itself (a deleted function).
    /// </summary>
    public Task<T?> GetAsync<T>(Input<T> input, CancellationToken cancellation) => Context.ReadAsync(Declared(input), cancellation);

    /// <summary>A shared input under a key of the consumer's choosing (e.g. the master secret a value names).</summary>
    public Task<T?> GetAsync<TKey, T>(SharedInput<TKey, T> input, TKey key, CancellationToken cancellation) where TKey : class =>
        Context.ReadAsync(Declared(input), key, cancellation);

    /// <summary>
    /// The input's value, or null when it cannot be had: the consumer goes on without it (the diagnosis says once what
    /// could not be read).
    /// </summary>
    public async Task<T?> TryGetAsync<T>(Input<T> input, CancellationToken cancellation)
    {
        try
        {
            return await GetAsync(input, cancellation).ConfigureAwait(false);
        }
        catch (EvidenceUnavailableException e)
        {
            Context.WentWithout(_goesWithout, e);
            return default;
        }
    }

    /// <summary>
    /// The input as a cause weighs it, never reading it itself: read by the checks that ran, not read in this run (no
    /// check that ran needed it), withheld by an option, or unavailable.
    /// </summary>
    public async Task<Reading<T>> ReadAsync<T>(Input<T> input, CancellationToken cancellation)
    {
        Declared(input);
        if (input.WithheldBy(Options) is { } reason) return new Reading<T>(ReadingState.Withheld, default, reason);
        if (!Context.HasRead(input)) return new Reading<T>(ReadingState.NotGathered, default);
        try
        {
            return new Reading<T>(ReadingState.Read, await Context.ReadAsync(input, cancellation).ConfigureAwait(false));
        }
        catch (EvidenceUnavailableException e)
        {
            Context.WentWithout(_goesWithout, e);
            return new Reading<T>(ReadingState.Unavailable, default, e.Failure.Message, e.Failure);
        }
    }

    private TInput Declared<TInput>(TInput input) where TInput : Input =>
        _declared.Contains(input) ? input
            : throw new InvalidOperationException($"{Consumer} reads {input.Id}, which it does not declare among its inputs.");
}

/// <summary>What an input's key or derivation may read: the inputs it depends on.</summary>
public sealed class InputReader : EvidenceReader
{
    private readonly Input _input;

    internal InputReader(DiagnosisContext context, Input input) : base(context, input.Dependencies, null) => _input = input;

    private protected override string Consumer => $"Input {_input.Id}";
}
