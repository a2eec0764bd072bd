using System.Diagnostics;

namespace RotationTroubleshooter.Tests.Safety;

/// <summary>
/// Seeded mutation loops, bounded in time: each round mutates one of the valid inputs (bit flips, interesting bytes,
/// cut, duplicated or deleted ranges, splices of two inputs) and hands it to the code under test. A fixed seed makes a
/// failure reproducible: the exception message carries the seed, the round and the input's base64.
/// (No fuzzing package is served here, and a plain loop suffices for the readers' input sizes.)
/// </summary>
internal static class MutationFuzzer
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)'\n', (byte)'\t', 0xC3, 0xE2];

    /// <summary>Result of a loop: how many inputs ran and the most any single one allocated or took.</summary>
    public sealed record Outcome(int Rounds, long MaxAllocatedBytes, TimeSpan MaxRoundTime);

    /// <summary>
    /// Runs <paramref name="target"/> on mutations of <paramref name="corpus"/> for <paramref name="budget"/>, on one
    /// thread so that each round's allocations can be measured. Exceptions of the types <paramref name="expected"/>
    /// allows are the code's documented answer to bad input; any other escapes, with the input that caused it.
    /// </summary>
    public static Outcome Run(int seed, IReadOnlyList<byte[]> corpus, TimeSpan budget, Action<byte[]> target, Func<Exception, bool> expected)
    {
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        long maxAllocated = 0;
        var maxTime = TimeSpan.Zero;
        while (clock.Elapsed < budget)
        {
            var input = Mutate(random, corpus);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var started = clock.Elapsed;
            try
            {
                target(input);
            }
            catch (Exception e) when (expected(e))
            {
            }
            catch (Exception e)
            {
                var shown = input.Length <= 2048 ? $"input (base64) {Convert.ToBase64String(input)}" : $"a {input.Length}-byte input";
                throw new InvalidOperationException($"Round {rounds} of seed {seed} (replay: Mutate on a Random({seed}) {rounds + 1} times): {e.GetType().Name} escaped for {shown}", e);
            }
            maxAllocated = Math.Max(maxAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
            var took = clock.Elapsed - started;
            if (took > maxTime) maxTime = took;
            rounds++;
        }
        return new Outcome(rounds, maxAllocated, maxTime);
    }

    public static byte[] Mutate(Random random, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(corpus[random.Next(corpus.Count)]);
        var edits = 1 + random.Next(8);
        for (var i = 0; i < edits; i++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(7))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2:
                    data.InsertRange(at, Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256)));
                    break;
                case 3 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(64)));
                    break;
                case 4 when data.Count > 0:
                    var length = Math.Min(data.Count - at, 1 + random.Next(256));
                    data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    break;
                case 5 when data.Count > 0:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 6:
                    var other = corpus[random.Next(corpus.Count)];
                    if (other.Length == 0) break;
                    var from = random.Next(other.Length);
                    data.InsertRange(at, other.Skip(from).Take(1 + random.Next(512)));
                    break;
            }
        }
        return [.. data];
    }
}
