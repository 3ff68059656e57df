using Microsoft.Extensions.Options;
using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// LISTENs, on one dedicated unpooled connection, for the changes other instances commit, on two channels per schema:
/// handoffs (<see cref="PostgresHandoffRows.ChangeChannel"/>; payload: the handoff id and the sender), handed to the
/// <see cref="IHandoffChangeSubscriber"/>s, new lines of the handoff event log (the same channel, subject
/// <see cref="PostgresHandoffRows.EventSubject"/>{seq}), handed to the <see cref="IHandoffEventSubscriber"/>s (the
/// console feed), and Direct Line appends and replacements
/// (<see cref="PostgresDirectLineStore.ChangeChannel"/>; payload: the conversation id, the position and the sender),
/// handed to the <see cref="IDirectLineChangeSubscriber"/>s; typing on either channel (<see cref="PostgresTypingBroadcast"/>)
/// goes to the <see cref="ITypingSubscriber"/>s. This instance's own changes and typing are skipped. After every
/// (re)connection the subscribers catch up from the store, since notifications sent while nobody listened are lost; a
/// lost connection is reopened after a delay on the injected clock (1.5 s, doubling up to 30 s); typing sent meanwhile is
/// lost, on purpose (stale typing is worse than none). Nothing runs on SQLite.
/// </summary>
internal sealed partial class PostgresChangeListener(
    IOptions<StorageOptions> storage,
    IOptions<PostgresOptions> options,
    IEnumerable<IHandoffChangeSubscriber> subscribers,
    IEnumerable<IHandoffEventSubscriber> eventSubscribers,
    IEnumerable<IDirectLineChangeSubscriber> directLineSubscribers,
    IEnumerable<ITypingSubscriber> typingSubscribers,
    TimeProvider time,
    ILogger<PostgresChangeListener> logger) : BackgroundService
{
    internal static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    /// <summary>The <c>application_name</c> of an instance's listening session.</summary>
    internal static string ApplicationNameOf(string instanceName) => $"HandoffBot {instanceName} listener";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listeners = subscribers.ToList();
        var events = eventSubscribers.ToList();
        var directLine = directLineSubscribers.ToList();
        var typing = typingSubscribers.ToList();
        if (!storage.Value.UsesPostgres || listeners.Count + events.Count + directLine.Count + typing.Count == 0)
        {
            return;
        }
        var self = $"HandoffBot {options.Value.InstanceName}"; // the sender name of this instance's own changes (PostgresDatabase)
        var builder = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString)
        {
            Pooling = false,
            ApplicationName = ApplicationNameOf(options.Value.InstanceName),
            KeepAlive = 10, // a dead connection is noticed while waiting, not only at the next statement
            Timeout = 5,
        };
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                string handoffChannel;
                await using (var listen = new NpgsqlCommand("SELECT current_schema()", connection))
                {
                    var schema = (string?)await listen.ExecuteScalarAsync(stoppingToken);
                    handoffChannel = PostgresHandoffRows.ChangeChannel + schema;
                    listen.CommandText = $"{Listen(handoffChannel)}; {Listen(PostgresDirectLineStore.ChangeChannel + schema)}";
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                connection.Notification += (_, e) =>
                {
                    if (PostgresTypingBroadcast.TryParse(e.Payload, out var signal, out var sender))
                    {
                        DeliverTyping(typing, signal, sender, self);
                    }
                    else if (e.Channel == handoffChannel)
                    {
                        Deliver(listeners, events, e.Payload, self);
                    }
                    else
                    {
                        DeliverDirectLine(directLine, e.Payload, self);
                    }
                };
                LogListening(logger);
                retry = FirstRetry;
                foreach (var listener in listeners)
                {
                    listener.CatchUp(); // what was committed while nobody here listened
                }
                foreach (var listener in events)
                {
                    listener.CatchUp();
                }
                foreach (var listener in directLine)
                {
                    listener.CatchUp();
                }
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
            {
                LogConnectionLost(logger, exception, retry);
            }
            try
            {
                await Task.Delay(retry, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            retry = retry * 2 < LastRetry ? retry * 2 : LastRetry;
        }
    }

    private static string Listen(string channel) => $"LISTEN \"{channel.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static void DeliverTyping(List<ITypingSubscriber> listeners, TypingSignal signal, string sender, string self)
    {
        if (sender == self)
        {
            return; // this instance showed it already
        }
        foreach (var listener in listeners)
        {
            listener.Typing(signal);
        }
    }

    private static void DeliverDirectLine(List<IDirectLineChangeSubscriber> listeners, string payload, string self)
    {
        if (!PostgresDirectLineStore.TryParseChange(payload, out var change) || change.Sender == self)
        {
            return; // malformed, or this instance's own change (it pushed it to its streams already)
        }
        foreach (var listener in listeners)
        {
            if (change.Replaced)
            {
                listener.Replaced(change.ConversationId, change.Position);
            }
            else
            {
                listener.Appended(change.ConversationId, change.Position);
            }
        }
    }

    private static void Deliver(List<IHandoffChangeSubscriber> listeners, List<IHandoffEventSubscriber> events, string payload, string self)
    {
        var space = payload.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || payload.AsSpan(space + 1).SequenceEqual(self))
        {
            return; // malformed, or this instance's own change (its engine and its feed have it already)
        }
        if (PostgresHandoffRows.TryParseEventSubject(payload.AsSpan(0, space), out var sequence))
        {
            foreach (var listener in events)
            {
                listener.Appended(sequence);
            }
            return;
        }
        var subject = payload[..space];
        foreach (var listener in listeners)
        {
            if (subject == PostgresHandoffRows.AgentsSubject)
            {
                listener.AgentsChanged();
            }
            else
            {
                listener.Changed(subject);
            }
        }
    }

    [LoggerMessage(EventId = 6023, Level = LogLevel.Information, Message = "Listening for the handoff and Direct Line changes of other instances")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 6024, Level = LogLevel.Warning, Message = "The listening connection was lost; it reconnects in {Retry} and then catches up from the store")]
    private static partial void LogConnectionLost(ILogger logger, Exception exception, TimeSpan retry);
}
