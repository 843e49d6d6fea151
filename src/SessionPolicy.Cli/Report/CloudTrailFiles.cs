using System.IO.Compression;
using System.Text.Json;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Cli.Report;

/// <summary>One <c>AssumeRole</c> call of a trail: the role, the duration asked for (null: STS's default), and who asked.</summary>
internal readonly record struct AssumeRoleCall(string RoleArn, int? DurationSeconds, string PrincipalId, PrincipalKind Kind);

/// <summary>
/// CloudTrail log files as CloudTrail delivers them to S3 (<c>{"Records": [...]}</c>, plain or gzipped), read as a stream:
/// one record in memory at a time, so memory does not grow with the number of records. Only <c>AssumeRole</c> records
/// are read closely; a file or record that is not what CloudTrail writes is an error naming the file and the record.
/// </summary>
internal static class CloudTrailFiles
{
    /// <summary>Largest record read (CloudTrail's are a few KB).</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    private const int Chunk = 64 * 1024;

    /// <summary>The CloudTrail files at <paramref name="paths"/>: files as given, folders searched for <c>*.json</c> and <c>*.json.gz</c>, in name order.</summary>
    public static IEnumerable<string> Expand(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    /// <summary>Calls <paramref name="onCall"/> for each AssumeRole record of <paramref name="file"/>; returns how many records it holds.</summary>
    public static long Read(string file, Action<AssumeRoleCall> onCall)
    {
        try
        {
            using var raw = File.OpenRead(file);
            Span<byte> magic = stackalloc byte[2];
            var gzipped = raw.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            raw.Position = 0;
            using var stream = gzipped ? new GZipStream(raw, CompressionMode.Decompress) : (Stream)raw;
            return new Scanner(file, stream, onCall).Run();
        }
        catch (FileNotFoundException)
        {
            throw new InputFileException(file, "file", "does not exist");
        }
        catch (InvalidDataException)
        {
            throw new InputFileException(file, "file", "is not a valid gzip file");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(file, "file", $"cannot read: {ex.Message}");
        }
    }

    /// <summary>Walks the file's top level token by token and hands each complete record of <c>Records</c> on.</summary>
    private sealed class Scanner(string file, Stream stream, Action<AssumeRoleCall> onCall)
    {
        private byte[] _buffer = new byte[Chunk];
        private int _length;
        private bool _final;
        private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 64 });
        private Phase _phase = Phase.Start;
        private long _records;

        private enum Phase { Start, TopLevel, Records, Done }

        public long Run()
        {
            while (true)
            {
                Fill();
                var consumed = Step();
                if (consumed > 0)
                {
                    Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _length - consumed);
                    _length -= consumed;
                }
                if (_final && (consumed == 0 || _length == 0))
                {
                    // Read as a stream, a truncated file is one that stops inside a value: what is left cannot complete.
                    if (_phase != Phase.Done) throw Problem(_phase == Phase.Records ? Where : "file", "ends before its Records list is closed: a truncated file?");
                    return _records;
                }
                if (consumed == 0 && _length == _buffer.Length)
                {
                    if (_buffer.Length >= MaxRecordBytes + Chunk) throw Problem(Where, $"is larger than {MaxRecordBytes} bytes");
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
            }
        }

        private string Where => _phase == Phase.Records ? $"Records[{_records}]" : "top level";

        private void Fill()
        {
            while (!_final && _length < _buffer.Length)
            {
                var read = stream.Read(_buffer, _length, _buffer.Length - _length);
                if (read == 0) _final = true;
                _length += read;
                if (read > 0 && _length >= Chunk) break;
            }
        }

        /// <summary>Reads what the buffer holds completely; returns the bytes consumed up to the last complete unit.</summary>
        private int Step()
        {
            // Never the final block: an incomplete value at the end is told apart from an invalid one (a truncated file).
            var reader = new Utf8JsonReader(_buffer.AsSpan(0, _length), isFinalBlock: false, _state);
            var consumed = 0;
            try
            {
                while (true)
                {
                    var unitState = reader.CurrentState;
                    var unitStart = (int)reader.BytesConsumed;
                    if (!reader.Read()) break;
                    switch (_phase)
                    {
                        case Phase.Start:
                            if (reader.TokenType != JsonTokenType.StartObject) throw Problem("top level", "is not a CloudTrail log file (expected {\"Records\": [...]})");
                            _phase = Phase.TopLevel;
                            break;
                        case Phase.TopLevel when reader.TokenType == JsonTokenType.EndObject:
                            _phase = Phase.Done;
                            break;
                        case Phase.TopLevel:
                            var isRecords = reader.ValueTextEquals("Records"u8);
                            if (!reader.Read() || (!isRecords && !reader.TrySkip()))
                            {
                                _state = unitState;
                                return unitStart;
                            }
                            if (isRecords)
                            {
                                if (reader.TokenType != JsonTokenType.StartArray) throw Problem("Records", "is not a list");
                                _phase = Phase.Records;
                            }
                            break;
                        case Phase.Records when reader.TokenType == JsonTokenType.EndArray:
                            _phase = Phase.TopLevel;
                            break;
                        case Phase.Records:
                            if (reader.TokenType != JsonTokenType.StartObject) throw Problem(Where, "is not an object");
                            var start = (int)reader.TokenStartIndex;
                            if (!reader.TrySkip())
                            {
                                _state = unitState;
                                return unitStart;
                            }
                            Record(_buffer.AsSpan(start, (int)reader.BytesConsumed - start));
                            _records++;
                            break;
                        case Phase.Done:
                            throw Problem("file", "holds more than one JSON value");
                    }
                    consumed = (int)reader.BytesConsumed;
                    _state = reader.CurrentState;
                }
            }
            catch (JsonException)
            {
                throw _phase == Phase.Done ? Problem("file", "holds more than one JSON value") : Problem(Where, "is not JSON");
            }
            return consumed;
        }

        private void Record(ReadOnlySpan<byte> json)
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            reader.Read();
            bool assumeRole = false, fromSts = true, hasParameters = false;
            string? roleArn = null, sourceIdentity = null, type = null, userName = null, arn = null, invokedBy = null, principalId = null;
            int? duration = null;
            var durationProblem = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("eventName"u8))
                {
                    reader.Read();
                    assumeRole = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("AssumeRole"u8);
                }
                else if (reader.ValueTextEquals("eventSource"u8))
                {
                    reader.Read();
                    fromSts = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("sts.amazonaws.com"u8);
                }
                else if (reader.ValueTextEquals("userIdentity"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var field = reader.ValueTextEquals("type"u8) ? 1 : reader.ValueTextEquals("userName"u8) ? 2 : reader.ValueTextEquals("arn"u8) ? 3
                            : reader.ValueTextEquals("invokedBy"u8) ? 4 : reader.ValueTextEquals("principalId"u8) ? 5 : 0;
                        reader.Read();
                        if (field == 0 || reader.TokenType != JsonTokenType.String)
                        {
                            reader.Skip();
                            continue;
                        }
                        var value = reader.GetString();
                        switch (field)
                        {
                            case 1: type = value; break;
                            case 2: userName = value; break;
                            case 3: arn = value; break;
                            case 4: invokedBy = value; break;
                            default: principalId = value; break;
                        }
                    }
                }
                else if (reader.ValueTextEquals("requestParameters"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }
                    hasParameters = true;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("roleArn"u8))
                        {
                            reader.Read();
                            roleArn = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        }
                        else if (reader.ValueTextEquals("durationSeconds"u8))
                        {
                            reader.Read();
                            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var seconds) && seconds >= 0) duration = seconds;
                            else if (reader.TokenType != JsonTokenType.Null) durationProblem = true;
                        }
                        else if (reader.ValueTextEquals("sourceIdentity"u8))
                        {
                            reader.Read();
                            sourceIdentity = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            // A call that failed before STS read it (access denied) may carry no parameters: nothing was requested.
            if (!assumeRole || !fromSts || !hasParameters) return;
            if (roleArn is null) throw Problem(Where, "is an AssumeRole record without requestParameters.roleArn");
            if (durationProblem) throw Problem(Where, "has a requestParameters.durationSeconds that is not a whole number of seconds");
            var kind = type is "IAMUser" or "Root" or "SAMLUser" or "WebIdentityUser" or "IdentityCenterUser" ? PrincipalKind.Human : PrincipalKind.Service;
            // The service sets SourceIdentity to the principal it decided for; otherwise who CloudTrail says asked.
            var principal = sourceIdentity ?? userName ?? invokedBy ?? LastSegment(arn) ?? principalId ?? "";
            onCall(new AssumeRoleCall(roleArn, duration, principal, kind));
        }

        private static string? LastSegment(string? arn) => arn is null ? null : arn[(arn.LastIndexOf('/') + 1)..];

        private InputFileException Problem(string where, string what) => new(file, where, what);
    }
}
