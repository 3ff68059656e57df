using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using HandoffBot.Protocol;
using Activity = HandoffBot.Protocol.Activity;

namespace HandoffBot.Load;

/// <summary>What one round of conversations produced.</summary>
/// <param name="TriggerToOfferMs">Trigger POST -> the routing owner's offer to an agent reaching the hub (the cross-instance path with several instances).</param>
/// <param name="MissingOffers">Handoffs announced but not offered to an agent within the timeout.</param>
internal sealed record RoundResult(IReadOnlyList<double> TriggerToHubMs, IReadOnlyList<double> TriggerToReplyMs, IReadOnlyList<double> NoticeToHubMs, int Missing, int Failed, IReadOnlyList<string> Errors, int UnmatchedReplies, TimeSpan Elapsed,
    IReadOnlyList<double> TriggerToOfferMs, int MissingOffers);

/// <summary>
/// Customers on the normal channel path (no expectReplies: the bot answers 200 at once and replies through the
/// customer Connector) in a closed loop: each conversation sends the Emulator's conversationUpdate, routine questions
/// and then the trigger, always waiting for the bot's reply (matched by replyToId) before its next turn. The clock of
/// a handoff starts just before the trigger's POST and stops when the hub Connector receives <c>handoff.initiate</c>
/// for that conversation (matched by <c>relatesTo.conversation.id</c>). With a think time customers pause between turns
/// (and start at random moments), so the conversations are open together but their triggers spread out. With a
/// trigger window every conversation first has its routine turns, and once all of them are open each customer asks for
/// a person at a random moment within the window: the triggers alone, not queued behind other customers' questions.
/// </summary>
internal sealed partial class HandoffRound(HttpClient http, IReadOnlyList<Uri> messages, string customerServiceUrl, TimeSpan timeout, TimeSpan think, TimeSpan triggerWindow)
{
    public const string Trigger = "I want to speak to a person, please";

    private static readonly string[] Questions = ["how long does delivery take", "do you ship internationally"];

    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _replies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _handoffs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _offers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _conversationsByShortId = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<double> _triggerToOffer = new();
    private int _missingOffers;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<double> _triggerReplies = new();
    private readonly ConcurrentQueue<double> _noticeToHub = new();
    private int _unmatchedReplies;
    private readonly ConcurrentQueue<string> _unmatchedSamples = new();
    private int _duplicateHandoffs;
    private int _unknownHandoffs;
    private int _missing;
    private int _failed;
    private int _reported;
    private int _opening;
    private readonly TaskCompletionSource _allOpen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Customer Connector activities with no turn waiting for them (e.g. a second reply to one turn).</summary>
    public int UnmatchedReplies => Volatile.Read(ref _unmatchedReplies);

    /// <summary>The first few of those (type, reply-to id, the start of the text): a second reply to one turn, or a message the bot sent on its own.</summary>
    public IReadOnlyCollection<string> UnmatchedSamples => _unmatchedSamples;

    /// <summary>A second handoff.initiate for a conversation that already had one.</summary>
    public int DuplicateHandoffs => Volatile.Read(ref _duplicateHandoffs);

    /// <summary>handoff.initiate events for conversations this round did not start.</summary>
    public int UnknownHandoffs => Volatile.Read(ref _unknownHandoffs);

    /// <summary>Called by the customer Connector for every activity the bot sends to a customer.</summary>
    public void OnCustomerActivity(Activity activity, long arrived)
    {
        if (!_replies.TryRemove(ReplyKey(activity.Conversation?.Id, activity.ReplyToId), out var waiter) || !waiter.TrySetResult(arrived))
        {
            if (Interlocked.Increment(ref _unmatchedReplies) <= 3)
            {
                var text = activity.Text is { Length: > 60 } full ? full[..60] + "..." : activity.Text;
                _unmatchedSamples.Enqueue($"{activity.Type} to {activity.Conversation?.Id} replying to {activity.ReplyToId ?? "(none)"}: {text}");
            }
        }
    }

    /// <summary>Called by the hub Connector for every activity the bot sends to the agent hub.</summary>
    public void OnHubActivity(Activity activity, long arrived)
    {
        if (activity.IsType(ActivityTypes.Message) && activity.Entities is { Count: > 0 } && activity.Text is { } text)
        {
            OnOffer(text, arrived);
            return;
        }
        if (!activity.IsType(ActivityTypes.Event) || !string.Equals(activity.Name, "handoff.initiate", StringComparison.Ordinal))
        {
            return; // handoff.status
        }
        if (activity.Value is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty("handoffId", out var id) && id.GetString() is { Length: >= 8 } handoffId
            && activity.RelatesTo?.Conversation?.Id is { } customerConversation)
        {
            _conversationsByShortId[handoffId[..8]] = customerConversation; // the offer names the handoff by its short id
        }
        if (!_handoffs.TryGetValue(activity.RelatesTo?.Conversation?.Id ?? "", out var waiter))
        {
            Interlocked.Increment(ref _unknownHandoffs);
        }
        else if (!waiter.TrySetResult(arrived))
        {
            Interlocked.Increment(ref _duplicateHandoffs);
        }
    }

    /// <summary>
    /// An offer to an agent (a hub message @mentioning them, "... accept {short id} ..."): the routing owner made it,
    /// whichever instance ran the trigger. Matched to its conversation by the handoff's short id from handoff.initiate,
    /// which the outbox delivers first (one destination, in order).
    /// </summary>
    private void OnOffer(string text, long arrived)
    {
        foreach (Match word in Word().Matches(text))
        {
            if (_conversationsByShortId.TryGetValue(word.Value, out var conversation) && _offers.TryGetValue(conversation, out var waiter))
            {
                waiter.TrySetResult(arrived); // a second offer (after a decline or expiry) keeps the first time
                return;
            }
        }
    }

    [GeneratedRegex(@"[A-Za-z0-9_-]{8}")]
    private static partial Regex Word();

    /// <summary>Runs <paramref name="conversations"/> conversations, all started together, and waits for every one of them.</summary>
    public async Task<RoundResult> RunAsync(string prefix, int conversations, CancellationToken cancellationToken)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _opening = conversations;
        var running = Enumerable.Range(0, conversations)
            .Select(i => ConverseAsync(i, $"{prefix}-{i}", start.Task, cancellationToken))
            .ToArray();
        var began = Stopwatch.GetTimestamp();
        start.SetResult();
        var outcomes = await Task.WhenAll(running);
        var samples = outcomes.Where(o => o is not null).Select(o => o!.Value).ToList();
        return new RoundResult(samples, [.. _triggerReplies], [.. _noticeToHub], Volatile.Read(ref _missing), Volatile.Read(ref _failed), [.. _errors], UnmatchedReplies, Stopwatch.GetElapsedTime(began),
            [.. _triggerToOffer], Volatile.Read(ref _missingOffers));
    }

    /// <summary>
    /// One customer; the trigger-to-hub time in ms, or null when the handoff did not arrive within the timeout
    /// (counted as missing) or a turn failed before the trigger was sent (counted as failed).
    /// </summary>
    /// <remarks>
    /// With several instances (<paramref name="index"/> picks the first) each turn goes to the next instance, round robin
    /// per request: a conversation's welcome, questions and trigger each reach another instance than the one before.
    /// </remarks>
    private async Task<double?> ConverseAsync(int index, string conversationId, Task start, CancellationToken cancellationToken)
    {
        var posted = index;
        Uri Next() => messages[posted++ % messages.Count];
        await start;
        var customer = new EmulatorCustomer(conversationId, customerServiceUrl);
        double? sample = null;
        var open = false;
        try
        {
            await PauseAsync(0, 1, cancellationToken);
            await TurnAsync(Next(), customer.Welcome(), cancellationToken);
            foreach (var question in Questions)
            {
                await PauseAsync(0.5, 1.5, cancellationToken);
                await TurnAsync(Next(), customer.Says(question), cancellationToken);
            }
            await PauseAsync(0.5, 1.5, cancellationToken);
            open = true;
            await OpenedAsync(cancellationToken);

            var handoff = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _handoffs[conversationId] = handoff;
            var offer = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _offers[conversationId] = offer;
            var trigger = customer.Says(Trigger);
            var reply = ExpectReply(trigger);
            using var body = Body(trigger);
            var target = Next();
            var sent = Stopwatch.GetTimestamp();
            await PostAsync(target, body, cancellationToken);
            try
            {
                sample = Stopwatch.GetElapsedTime(sent, await handoff.Task.WaitAsync(timeout, cancellationToken)).TotalMilliseconds;
            }
            catch (TimeoutException)
            {
                Interlocked.Increment(ref _missing);
                Report($"{conversationId}: no handoff.initiate at the hub within {timeout.TotalSeconds:0} s");
            }
            var noticed = await AwaitReplyAsync(trigger, reply, cancellationToken);
            _triggerReplies.Enqueue(Stopwatch.GetElapsedTime(sent, noticed).TotalMilliseconds);
            if (handoff.Task.IsCompletedSuccessfully)
            {
                _noticeToHub.Enqueue(Stopwatch.GetElapsedTime(noticed, handoff.Task.Result).TotalMilliseconds); // negative: the hub was first
                try
                {
                    _triggerToOffer.Enqueue(Stopwatch.GetElapsedTime(sent, await offer.Task.WaitAsync(timeout, cancellationToken)).TotalMilliseconds);
                }
                catch (TimeoutException)
                {
                    Interlocked.Increment(ref _missingOffers);
                    Report($"{conversationId}: no offer to an agent at the hub within {timeout.TotalSeconds:0} s");
                }
            }
        }
        catch (LoadFailure failure)
        {
            Interlocked.Increment(ref _failed);
            Report(failure.Message);
        }
        finally
        {
            if (!open)
            {
                MarkOpen(); // a conversation that failed before its trigger must not hold the others back
            }
        }
        return sample;
    }

    /// <summary>With a trigger window: waits until every conversation of the round is open, then a random moment within the window.</summary>
    private async Task OpenedAsync(CancellationToken cancellationToken)
    {
        if (triggerWindow <= TimeSpan.Zero)
        {
            return;
        }
        MarkOpen();
        await _allOpen.Task.WaitAsync(cancellationToken);
        await Task.Delay(triggerWindow * Random.Shared.NextDouble(), cancellationToken);
    }

    private void MarkOpen()
    {
        if (Interlocked.Decrement(ref _opening) == 0)
        {
            _allOpen.TrySetResult();
        }
    }

    /// <summary>A customer's pause: a random share between <paramref name="from"/> and <paramref name="to"/> of the think time.</summary>
    private Task PauseAsync(double from, double to, CancellationToken cancellationToken) =>
        think <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(think * (from + (Random.Shared.NextDouble() * (to - from))), cancellationToken);

    /// <summary>Sends one customer activity and waits until the bot's reply to it reaches the customer Connector.</summary>
    private async Task TurnAsync(Uri target, Activity activity, CancellationToken cancellationToken)
    {
        var reply = ExpectReply(activity);
        using var body = Body(activity);
        await PostAsync(target, body, cancellationToken);
        await AwaitReplyAsync(activity, reply, cancellationToken);
    }

    private Task<long> ExpectReply(Activity activity)
    {
        var reply = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replies[ReplyKey(activity.Conversation!.Id, activity.Id)] = reply;
        return reply.Task;
    }

    private async Task<long> AwaitReplyAsync(Activity activity, Task<long> reply, CancellationToken cancellationToken)
    {
        try
        {
            return await reply.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            _replies.TryRemove(ReplyKey(activity.Conversation!.Id, activity.Id), out _);
            throw new LoadFailure($"{activity.Conversation!.Id}: no reply to '{activity.Text ?? activity.Type}' within {timeout.TotalSeconds:0} s");
        }
    }

    private async Task PostAsync(Uri target, HttpContent body, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(target, body, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new LoadFailure($"POST {target} failed: {exception.Message}");
        }
        using (response)
        {
            if (response.StatusCode != System.Net.HttpStatusCode.OK)
            {
                throw new LoadFailure($"POST {target} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }

    private void Report(string error)
    {
        if (Interlocked.Increment(ref _reported) <= 10)
        {
            _errors.Enqueue(error);
        }
    }

    private static ByteArrayContent Body(Activity activity)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(activity, ProtocolJsonContext.Default.Activity));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static string ReplyKey(string? conversationId, string? replyToId) => $"{conversationId}\n{replyToId}";

    private sealed class LoadFailure(string message) : Exception(message);
}
