namespace RotationTroubleshooter.Commands;

/// <summary>
/// The -ThrottleLimit slots of <see cref="ConcurrentItems"/>. They go to the earliest item that is ready (items are
/// numbered in input order, so an early item never waits behind later ones that are not ready either), and to no item
/// more than <see cref="LookAhead"/> past the earliest unfinished one: results wait to be written in input order, and
/// this bounds how many wait.
/// </summary>
public sealed class ReadyFirstSlots(int count, int lookAhead = ReadyFirstSlots.LookAhead)
{
    /// <summary>A diagnosis is a few kilobytes: a thousand waiting results are a few megabytes.</summary>
    public const int LookAhead = 1000;

    private readonly Lock _lock = new();
    private readonly LinkedList<Turn> _waiting = new();
    private readonly SortedSet<long> _unfinished = new();
    private int _free = count;
    private long _next;

    /// <summary>One item's place in line: <see cref="Given"/> completes when it holds a slot.</summary>
    public sealed class Turn
    {
        private readonly TaskCompletionSource _given = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Turn(long index, bool ready)
        {
            Index = index;
            Ready = ready;
        }

        /// <summary>The item's place in input order, from 0.</summary>
        public long Index { get; }

        public Task Given => _given.Task;
        internal bool Ready { get; set; }
        internal bool HasSlot { get; set; }
        internal LinkedListNode<Turn>? Node { get; set; }
        internal void Give() => _given.TrySetResult();
    }

    /// <summary>The next item in input order; it may take a slot once <paramref name="ready"/> has completed (however).</summary>
    public Turn Add(Task? ready = null)
    {
        Turn turn;
        lock (_lock)
        {
            turn = new Turn(_next++, ready is null || ready.IsCompleted);
            turn.Node = _waiting.AddLast(turn);
            _unfinished.Add(turn.Index);
            Hand();
        }
        ready?.ContinueWith(_ =>
        {
            lock (_lock)
            {
                turn.Ready = true;
                Hand();
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return turn;
    }

    /// <summary>The item is done, or stopped before its turn came: its slot, if it had one, goes to the next.</summary>
    public void Finish(Turn turn)
    {
        lock (_lock)
        {
            if (turn.HasSlot) _free++;
            else if (turn.Node?.List is not null) _waiting.Remove(turn.Node);
            _unfinished.Remove(turn.Index);
            Hand();
        }
    }

    private void Hand()
    {
        if (_free == 0 || _unfinished.Count == 0) return;
        var limit = _unfinished.Min + lookAhead;
        for (var node = _waiting.First; node is not null && _free > 0 && node.Value.Index < limit;)
        {
            var next = node.Next;
            if (node.Value.Ready)
            {
                _waiting.Remove(node);
                _free--;
                node.Value.HasSlot = true;
                node.Value.Give();
            }
            node = next;
        }
    }
}
