import com.caucho.hessian.io.AbstractDeserializer;
import com.caucho.hessian.io.AbstractHessianInput;
import com.caucho.hessian.io.AbstractHessianOutput;
import com.caucho.hessian.io.AbstractSerializer;
import com.caucho.hessian.io.Deserializer;
import com.caucho.hessian.io.Hessian2Input;
import com.caucho.hessian.io.Hessian2Output;
import com.caucho.hessian.io.HessianProtocolException;
import com.caucho.hessian.io.Serializer;
import com.caucho.hessian.io.SerializerFactory;
import com.caucho.hessian.io.StringValueDeserializer;
import com.caucho.hessian.io.StringValueSerializer;
import com.example.Color;
import com.example.User;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A Dubbo 2 peer on Caucho Hessian 4.0.38 (the library Java Dubbo's hessian-lite was forked from), for the
 * interop tests. Two modes:
 *
 *   java DubboPeer provide          serves com.example.EchoService:1.0.0 on 127.0.0.1, prints "PORT n",
 *                                   and exits when its standard input closes
 *   java DubboPeer consume PORT     calls com.example.EchoService:1.0.0 on 127.0.0.1:PORT once per case,
 *                                   prints one JSON line per case ({"case","ok","detail"}), exits 0
 *
 * The frame is Dubbo 2's (org.apache.dubbo.remoting.exchange.codec.ExchangeCodec): magic 0xdabb, a flag
 * byte (0x80 request, 0x40 two-way, 0x20 event, low 5 bits the serialization id, 2 = hessian2), a status
 * byte, an 8-byte id and a 4-byte body length. The bodies are DubboCodec's: a request is dubbo version,
 * path, version, method, parameter descriptor, the arguments and the attachments map; a response is a flag
 * (0 exception, 1 value, 2 null; 3-5 the same followed by attachments) and the value or the Throwable.
 */
public final class DubboPeer {
  static final String SERVICE = "com.example.EchoService";
  static final String VERSION = "1.0.0";
  static final int MAX_BODY = 16 << 20;
  static final SerializerFactory RULES = new LiteRules();

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("provide")) provide();
    else if (args.length == 2 && args[0].equals("consume")) consume(Integer.parseInt(args[1]));
    else {
      System.err.println("usage: DubboPeer provide | consume PORT");
      System.exit(2);
    }
  }

  // ---------------------------------------------------------------- hessian-lite's rules on stock Caucho

  /**
   * Stock Caucho writes BigDecimal through its internal fields and Short, Byte and Float as its own
   * ShortHandle/ByteHandle/FloatHandle objects. Java Dubbo's hessian-lite (apache/dubbo-hessian-lite,
   * SerializerFactory and BasicSerializer) writes BigDecimal as an object with one field "value" (the
   * decimal text), short and byte as int, float as the double of its decimal text, and BigInteger through
   * its fields signum and mag (read back by BigIntegerDeserializer). These rules make this peer write and read what it does.
   */
  static final class LiteRules extends SerializerFactory {
    LiteRules() {
      setAllowNonSerializable(true);
    }

    @Override
    public Serializer getSerializer(Class cl) throws HessianProtocolException {
      if (cl == BigDecimal.class) return new StringValueSerializer();
      if (cl == Short.class || cl == Byte.class) return AS_INT;
      if (cl == Float.class) return FLOAT_AS_DOUBLE;
      if (cl == BigInteger.class) return BIG_INTEGER;
      return super.getSerializer(cl);
    }

    @Override
    public Deserializer getDeserializer(Class cl) throws HessianProtocolException {
      if (cl == BigDecimal.class) return new StringValueDeserializer(BigDecimal.class);
      if (cl == BigInteger.class) return new BigIntegerFields();
      return super.getDeserializer(cl);
    }
  }

  static final Serializer AS_INT = new AbstractSerializer() {
    @Override
    public void writeObject(Object obj, AbstractHessianOutput out) throws IOException {
      out.writeInt(((Number) obj).intValue());
    }
  };

  /** As hessian-lite's BasicSerializer FLOAT: the double of the float's decimal text, so 0.1f is written as 0.1. */
  static final Serializer FLOAT_AS_DOUBLE = new AbstractSerializer() {
    @Override
    public void writeObject(Object obj, AbstractHessianOutput out) throws IOException {
      out.writeDouble(Double.parseDouble(String.valueOf(((Number) obj).floatValue())));
    }
  };

  static final String[] BIG_INTEGER_FIELDS = {"signum", "mag", "bitCount", "bitLength", "lowestSetBit", "firstNonzeroIntNum"};

  /** BigInteger as Java 8's field list (what hessian-lite's JavaSerializer writes): signum, mag and four caches at 0. */
  static final Serializer BIG_INTEGER = new AbstractSerializer() {
    @Override
    public void writeObject(Object obj, AbstractHessianOutput out) throws IOException {
      if (out.addRef(obj)) return;
      BigInteger value = (BigInteger) obj;
      int ref = out.writeObjectBegin("java.math.BigInteger");
      if (ref == -1) {
        out.writeInt(BIG_INTEGER_FIELDS.length);
        for (String field : BIG_INTEGER_FIELDS) out.writeString(field);
        out.writeObjectBegin("java.math.BigInteger");
      }
      out.writeInt(value.signum());
      int[] mag = magnitude(value);
      out.writeListBegin(mag.length, "[int");
      for (int word : mag) out.writeInt(word);
      for (int i = 0; i < 4; i++) out.writeInt(0);
    }
  };

  static int[] magnitude(BigInteger value) {
    byte[] bytes = value.abs().toByteArray();
    int start = 0;
    while (start < bytes.length && bytes[start] == 0) start++;
    int len = bytes.length - start;
    int[] words = new int[(len + 3) / 4];
    for (int i = 0; i < len; i++) {
      int fromEnd = len - 1 - i;
      words[words.length - 1 - fromEnd / 4] |= (bytes[start + i] & 0xff) << (8 * (fromEnd % 4));
    }
    return words;
  }

  /** Reads a BigInteger object by its signum and mag fields (hessian-lite's BigIntegerDeserializer sets these). */
  static final class BigIntegerFields extends AbstractDeserializer {
    @Override
    public Class<?> getType() {
      return BigInteger.class;
    }

    @Override
    public Object[] createFields(int len) {
      return new String[len];
    }

    @Override
    public Object createField(String name) {
      return name;
    }

    @Override
    public Object readObject(AbstractHessianInput in, Object[] fields) throws IOException {
      int ref = in.addRef(null);
      Map<String, Object> values = new HashMap<>();
      for (Object field : fields) values.put((String) field, in.readObject());
      BigInteger value = fromFields(values);
      in.setRef(ref, value);
      return value;
    }

    @Override
    public Object readMap(AbstractHessianInput in) throws IOException {
      int ref = in.addRef(null);
      Map<String, Object> values = new HashMap<>();
      while (!in.isEnd()) values.put(in.readString(), in.readObject());
      in.readMapEnd();
      BigInteger value = fromFields(values);
      in.setRef(ref, value);
      return value;
    }

    static BigInteger fromFields(Map<String, Object> values) {
      Object text = values.get("value");
      if (text instanceof String) return new BigInteger((String) text);
      int signum = ((Number) values.get("signum")).intValue();
      Object mag = values.get("mag");
      int n = mag == null ? 0 : Array.getLength(mag);
      ByteBuffer bytes = ByteBuffer.allocate(n * 4);
      for (int i = 0; i < n; i++) bytes.putInt(((Number) Array.get(mag, i)).intValue());
      return new BigInteger(signum, bytes.array());
    }
  }

  // ---------------------------------------------------------------- frames

  static final class Frame {
    final int flag;
    final int status;
    final long id;
    final byte[] body;

    Frame(int flag, int status, long id, byte[] body) {
      this.flag = flag;
      this.status = status;
      this.id = id;
      this.body = body;
    }

    boolean isRequest() {
      return (flag & 0x80) != 0;
    }

    boolean isTwoWay() {
      return (flag & 0x40) != 0;
    }

    boolean isEvent() {
      return (flag & 0x20) != 0;
    }
  }

  /** The next frame, or null at a clean end of stream. */
  static Frame readFrame(DataInputStream in) throws IOException {
    byte[] header = new byte[16];
    int first = in.read();
    if (first < 0) return null;
    header[0] = (byte) first;
    in.readFully(header, 1, 15);
    ByteBuffer view = ByteBuffer.wrap(header);
    if ((view.getShort(0) & 0xffff) != 0xdabb) throw new IOException("bad magic");
    int len = view.getInt(12);
    if (len < 0 || len > MAX_BODY) throw new IOException("body length " + len);
    byte[] body = new byte[len];
    in.readFully(body);
    return new Frame(header[2] & 0xff, header[3] & 0xff, view.getLong(4), body);
  }

  static void writeFrame(OutputStream out, int flag, int status, long id, byte[] body) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(16);
    header.putShort((short) 0xdabb).put((byte) flag).put((byte) status).putLong(id).putInt(body.length);
    synchronized (out) {
      out.write(header.array());
      out.write(body);
      out.flush();
    }
  }

  static Hessian2Output output(ByteArrayOutputStream bytes) {
    Hessian2Output out = new Hessian2Output(bytes);
    out.setSerializerFactory(RULES);
    return out;
  }

  static Hessian2Input input(byte[] body) {
    Hessian2Input in = new Hessian2Input(new ByteArrayInputStream(body));
    in.setSerializerFactory(RULES);
    return in;
  }

  static byte[] nullBody() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Hessian2Output out = output(bytes);
    out.writeNull();
    out.flush();
    return bytes.toByteArray();
  }

  /** `Ljava/lang/String;[II` → the classes Java Dubbo's ReflectUtils.desc2classArray gives. */
  static Class<?>[] classesOf(String descriptor) throws ClassNotFoundException {
    List<Class<?>> out = new ArrayList<>();
    int pos = 0;
    while (pos < descriptor.length()) {
      int start = pos;
      while (descriptor.charAt(pos) == '[') pos++;
      if (descriptor.charAt(pos) == 'L') pos = descriptor.indexOf(';', pos);
      String one = descriptor.substring(start, pos + 1);
      pos++;
      out.add(classOf(one));
    }
    return out.toArray(new Class<?>[0]);
  }

  static Class<?> classOf(String desc) throws ClassNotFoundException {
    switch (desc) {
      case "Z": return boolean.class;
      case "B": return byte.class;
      case "C": return char.class;
      case "D": return double.class;
      case "F": return float.class;
      case "I": return int.class;
      case "J": return long.class;
      case "S": return short.class;
      case "V": return void.class;
      default:
        String name = desc.startsWith("[") ? desc.replace('/', '.') : desc.substring(1, desc.length() - 1).replace('/', '.');
        return Class.forName(name);
    }
  }

  // ---------------------------------------------------------------- provider

  static void provide() throws Exception {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (true) {
        try {
          Socket socket = server.accept();
          Thread session = new Thread(() -> serve(socket));
          session.setDaemon(true);
          session.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    System.out.println("PORT " + server.getLocalPort());
    System.out.flush();
    // The test owns this process: it ends when the test closes our standard input (or dies).
    while (System.in.read() >= 0) {}
    server.close();
    System.exit(0);
  }

  static void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      for (Frame frame; (frame = readFrame(in)) != null; ) {
        if (!frame.isRequest()) continue;
        if (frame.isEvent()) {
          if (frame.isTwoWay()) writeFrame(out, 0x20 | 2, 20, frame.id, nullBody());
          continue;
        }
        byte[] body = answer(frame.body);
        if (frame.isTwoWay()) writeFrame(out, 2, 20, frame.id, body);
      }
    } catch (IOException e) {
      System.err.println("session: " + e);
    }
  }

  /** The response body for a request body: the method's value, or the exception it threw. */
  static byte[] answer(byte[] requestBody) throws IOException {
    Hessian2Input in = input(requestBody);
    String dubboVersion = in.readString();
    String path = in.readString();
    String version = in.readString();
    String method = in.readString();
    String descriptor = in.readString();
    Object result;
    Throwable thrown = null;
    try {
      Class<?>[] types = classesOf(descriptor);
      Object[] args = new Object[types.length];
      for (int i = 0; i < types.length; i++) args[i] = in.readObject(types[i]);
      in.readObject(); // attachments
      if (!SERVICE.equals(path) || !VERSION.equals(version)) throw new IllegalStateException("no service " + path + ":" + version);
      result = invoke(method, args);
    } catch (Throwable e) {
      result = null;
      thrown = e;
    }
    boolean withAttachments = dubboVersion.compareTo("2.0.2") >= 0;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Hessian2Output out = output(bytes);
    int flag = thrown != null ? 0 : result == null ? 2 : 1;
    out.writeInt(withAttachments ? flag + 3 : flag);
    if (thrown != null) out.writeObject(thrown);
    else if (result != null) out.writeObject(result);
    if (withAttachments) {
      Map<String, String> attachments = new HashMap<>();
      attachments.put("dubbo", "2.0.2");
      attachments.put("peer", "caucho-hessian");
      out.writeObject(attachments);
    }
    out.flush();
    return bytes.toByteArray();
  }

  static Object invoke(String method, Object[] args) {
    if (method.startsWith("echo")) return args[0];
    if (method.startsWith("describe")) return describe(args[0]);
    switch (method) {
      case "sameTwice": {
        List<?> list = (List<?>) args[0];
        return list.size() == 2 && list.get(0) != null && list.get(0) == list.get(1);
      }
      case "pairOf": {
        List<Object> pair = new ArrayList<>();
        pair.add(args[0]);
        pair.add(args[0]);
        return pair;
      }
      case "fail":
        throw new IllegalStateException((String) args[0]);
      case "nothing":
        return null;
      default:
        throw new UnsupportedOperationException("no method " + method);
    }
  }

  /** The Java class and value of what arrived, e.g. `java.lang.Long:9007199254740993`, elements of containers too. */
  static String describe(Object value) {
    if (value == null) return "null";
    String cls = value.getClass().getName();
    if (value instanceof Date) return cls + ":" + ((Date) value).getTime();
    if (value instanceof byte[]) return cls + ":" + ((byte[]) value).length + ":" + sha256((byte[]) value);
    if (value.getClass().isArray()) {
      List<String> items = new ArrayList<>();
      for (int i = 0; i < Array.getLength(value); i++) items.add(describe(Array.get(value, i)));
      return cls + ":" + items;
    }
    if (value instanceof Collection) {
      List<String> items = new ArrayList<>();
      for (Object item : (Collection<?>) value) items.add(describe(item));
      if (value instanceof java.util.Set) items.sort(null);
      return cls + ":" + items;
    }
    if (value instanceof Map) {
      TreeMap<String, String> entries = new TreeMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) entries.put(describe(e.getKey()), describe(e.getValue()));
      return cls + ":" + entries;
    }
    if (value instanceof User) {
      User user = (User) value;
      List<String> tags = new ArrayList<>();
      if (user.tags != null) for (Object tag : user.tags) tags.add(describe(tag));
      return cls + ":" + user.name + "," + user.age + "," + user.id + "," + (user.tags == null ? "null" : user.tags.getClass().getName() + tags);
    }
    return cls + ":" + value;
  }

  static String sha256(byte[] bytes) {
    try {
      StringBuilder hex = new StringBuilder();
      for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) hex.append(String.format("%02x", b));
      return hex.toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- consumer

  static final class Call {
    final String method;
    final String descriptor;
    final Object[] args;
    final Class<?> returnType;

    Call(String method, String descriptor, Class<?> returnType, Object... args) {
      this.method = method;
      this.descriptor = descriptor;
      this.returnType = returnType;
      this.args = args;
    }
  }

  static final class Result {
    final Object value;
    final String exceptionClass;
    final String exceptionMessage;
    final Map<?, ?> attachments;

    Result(Object value, String exceptionClass, String exceptionMessage, Map<?, ?> attachments) {
      this.value = value;
      this.exceptionClass = exceptionClass;
      this.exceptionMessage = exceptionMessage;
      this.attachments = attachments;
    }
  }

  static final class Client implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final OutputStream out;
    long nextId = 1;

    Client(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(20_000);
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    Result call(Call call) throws Exception {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      Hessian2Output body = output(bytes);
      body.writeString("2.0.2");
      body.writeString(SERVICE);
      body.writeString(VERSION);
      body.writeString(call.method);
      body.writeString(call.descriptor);
      for (Object arg : call.args) body.writeObject(arg);
      Map<String, String> attachments = new HashMap<>();
      attachments.put("path", SERVICE);
      attachments.put("interface", SERVICE);
      attachments.put("version", VERSION);
      attachments.put("timeout", "10000");
      body.writeObject(attachments);
      body.flush();
      long id = nextId++;
      writeFrame(out, 0x80 | 0x40 | 2, 0, id, bytes.toByteArray());
      Frame frame = readFrame(in);
      if (frame == null) throw new EOFException("provider closed the connection");
      if (frame.id != id) throw new IOException("response id " + frame.id + " for request " + id);
      Hessian2Input in = input(frame.body);
      if (frame.status != 20) return new Result(null, "status " + frame.status, String.valueOf(in.readObject()), null);
      int flag = in.readInt();
      Object value = null;
      String exceptionClass = null;
      String exceptionMessage = null;
      if (flag == 0 || flag == 3) {
        Throwable thrown = (Throwable) in.readObject();
        exceptionClass = thrown.getClass().getName();
        exceptionMessage = thrown.getMessage();
      } else if (flag == 1 || flag == 4) {
        value = in.readObject(call.returnType);
      }
      Map<?, ?> attached = flag >= 3 ? (Map<?, ?>) in.readObject() : null;
      return new Result(value, exceptionClass, exceptionMessage, attached);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static int cases;

  static void report(String name, boolean ok, String detail) {
    cases++;
    System.out.println("{\"case\":" + json(name) + ",\"ok\":" + ok + ",\"detail\":" + json(detail) + "}");
    System.out.flush();
  }

  static String json(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  static String shorten(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "…(" + text.length() + " chars)" : text;
  }

  /** Echo of `value` through `method` must give an equal value of the same class. */
  static void echo(Client client, String name, String method, String descriptor, Class<?> type, Object value) {
    try {
      Result result = client.call(new Call(method, descriptor, type, value));
      if (result.exceptionClass != null) {
        report(name, false, "threw " + result.exceptionClass + ": " + result.exceptionMessage);
        return;
      }
      boolean same = Objects.deepEquals(value, result.value)
          && (value == null || result.value != null && value.getClass() == result.value.getClass());
      report(name, same, shorten("sent " + describe(value) + " got " + describe(result.value)));
    } catch (Exception e) {
      report(name, false, "failed: " + e);
    }
  }

  /** Echo of `value` must give exactly `expected`, element classes included. */
  static void echoAs(Client client, String name, String method, String descriptor, Class<?> type, List<Object> value, List<Object> expected) {
    try {
      Result result = client.call(new Call(method, descriptor, type, value));
      boolean same = describe(expected).equals(describe(result.value));
      report(name, same, shorten("sent " + describe(value) + " got " + describe(result.value)));
    } catch (Exception e) {
      report(name, false, "failed: " + e);
    }
  }

  static Date utc(int year, int month, int day, int hour, int minute, int second, int ms) {
    // Proleptic Gregorian, as JS Date counts: no switch to the Julian calendar before 1582.
    java.util.GregorianCalendar calendar = new java.util.GregorianCalendar(java.util.TimeZone.getTimeZone("UTC"));
    calendar.setGregorianChange(new Date(Long.MIN_VALUE));
    calendar.clear();
    calendar.set(year, month - 1, day, hour, minute, second);
    calendar.set(java.util.Calendar.MILLISECOND, ms);
    return calendar.getTime();
  }

  static List<String> tags(String... tags) {
    return new ArrayList<>(Arrays.asList(tags));
  }

  static void consume(int port) throws Exception {
    try (Client c = new Client(port)) {
      echo(c, "String", "echoString", "Ljava/lang/String;", String.class, "héllo, 世界");
      echo(c, "String emoji", "echoString", "Ljava/lang/String;", String.class, "emoji 😀👍🏽 and \u0000 nul");
      echo(c, "String 70000 chars", "echoString", "Ljava/lang/String;", String.class, "ab😀".repeat(17_500));
      echo(c, "String empty", "echoString", "Ljava/lang/String;", String.class, "");
      echo(c, "String null", "echoString", "Ljava/lang/String;", String.class, null);
      echo(c, "char", "echoChar", "C", char.class, 'é');
      echo(c, "Character", "echoCharacter", "Ljava/lang/Character;", Character.class, 'x');
      for (int v : new int[] {0, -1, -16, 47, 48, -2048, 2047, 2048, -262144, 262143, 262144, Integer.MIN_VALUE, Integer.MAX_VALUE})
        echo(c, "int " + v, "echoInt", "I", int.class, v);
      echo(c, "Integer", "echoInteger", "Ljava/lang/Integer;", Integer.class, -5);
      long[] longs = {0L, -8L, 15L, -2048L, 2047L, -262144L, 262143L, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
          (1L << 53) - 1, 1L << 53, (1L << 53) + 1, -(1L << 53) + 1, -(1L << 53) - 1, Long.MIN_VALUE, Long.MAX_VALUE};
      for (long v : longs) echo(c, "long " + v, "echoLong", "J", long.class, v);
      echo(c, "Long", "echoLongObject", "Ljava/lang/Long;", Long.class, 5L);
      echo(c, "short max", "echoShort", "S", short.class, Short.MAX_VALUE);
      echo(c, "short min", "echoShort", "S", short.class, Short.MIN_VALUE);
      echo(c, "Short", "echoShortObject", "Ljava/lang/Short;", Short.class, (short) -7);
      echo(c, "byte min", "echoByte", "B", byte.class, Byte.MIN_VALUE);
      echo(c, "byte max", "echoByte", "B", byte.class, Byte.MAX_VALUE);
      echo(c, "Byte", "echoByteObject", "Ljava/lang/Byte;", Byte.class, (byte) 3);
      for (double v : new double[] {0.0, 1.5, -3.25, 0.1, 1e300, -1e-300, Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN,
          Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 2.0, 9007199254740993.0})
        echo(c, "double " + v, "echoDouble", "D", double.class, v);
      echo(c, "Double", "echoDoubleObject", "Ljava/lang/Double;", Double.class, 2.5);
      for (float v : new float[] {1.5f, 0.1f, 0.123456789f, Float.MAX_VALUE, Float.MIN_VALUE, Float.NaN, Float.NEGATIVE_INFINITY})
        echo(c, "float " + v, "echoFloat", "F", float.class, v);
      echo(c, "Float", "echoFloatObject", "Ljava/lang/Float;", Float.class, -0.5f);
      echo(c, "boolean true", "echoBoolean", "Z", boolean.class, true);
      echo(c, "boolean false", "echoBoolean", "Z", boolean.class, false);
      echo(c, "Boolean", "echoBooleanObject", "Ljava/lang/Boolean;", Boolean.class, Boolean.TRUE);
      byte[] big = new byte[100 * 1024];
      for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + 7);
      echo(c, "byte[] 100 KB", "echoBytes", "[B", byte[].class, big);
      echo(c, "byte[] empty", "echoBytes", "[B", byte[].class, new byte[0]);
      echo(c, "Date now", "echoDate", "Ljava/util/Date;", Date.class, new Date(1_700_000_000_123L));
      echo(c, "Date pre-1970", "echoDate", "Ljava/util/Date;", Date.class, new Date(-123_456_789_012L));
      echo(c, "Date year 1", "echoDate", "Ljava/util/Date;", Date.class, utc(1, 1, 1, 0, 0, 0, 0));
      echo(c, "Date year 9999", "echoDate", "Ljava/util/Date;", Date.class, utc(9999, 12, 31, 23, 59, 59, 999));
      echo(c, "BigDecimal", "echoBigDecimal", "Ljava/math/BigDecimal;", BigDecimal.class, new BigDecimal("12.50"));
      echo(c, "BigDecimal huge", "echoBigDecimal", "Ljava/math/BigDecimal;", BigDecimal.class,
          new BigDecimal("-123456789012345678901234567890.000000000000000000001"));
      echo(c, "BigInteger", "echoBigInteger", "Ljava/math/BigInteger;", BigInteger.class, new BigInteger("123456789012345678901234567890"));
      echo(c, "BigInteger negative", "echoBigInteger", "Ljava/math/BigInteger;", BigInteger.class, BigInteger.valueOf(-5));
      echo(c, "int[]", "echoIntArray", "[I", int[].class, new int[] {1, -2, Integer.MAX_VALUE});
      echo(c, "long[] as Object", "echoObject", "Ljava/lang/Object;", Object.class, new long[] {1, 1L << 60, Long.MIN_VALUE});
      echo(c, "double[] as Object", "echoObject", "Ljava/lang/Object;", Object.class, new double[] {0.5, Double.NaN, 2.0});
      echo(c, "boolean[] as Object", "echoObject", "Ljava/lang/Object;", Object.class, new boolean[] {true, false});
      echo(c, "short[] as Object", "echoObject", "Ljava/lang/Object;", Object.class, new short[] {-1, 300});
      echo(c, "User[] as Object", "echoObject", "Ljava/lang/Object;", Object.class, new User[] {new User("arr", 1, 1, tags())});
      echo(c, "char[] declared", "echoCharArray", "[C", char[].class, "hé😀".toCharArray());
      echo(c, "String[]", "echoStringArray", "[Ljava/lang/String;", String[].class, new String[] {"a", null, "ç"});
      User ann = new User("ann", 30, 1L << 40, tags("admin", "ops"));
      echo(c, "User", "echoUser", "Lcom/example/User;", User.class, ann);
      echo(c, "enum", "echoColor", "Lcom/example/Color;", Color.class, Color.GREEN);
      echo(c, "enum as Object", "echoObject", "Ljava/lang/Object;", Object.class, Color.BLUE);
      echo(c, "User[]", "echoUserArray", "[Lcom/example/User;", User[].class, new User[] {ann, null, new User("cy", 1, 2, tags())});
      java.util.TreeMap<String, Integer> sorted = new java.util.TreeMap<>();
      sorted.put("b", 2);
      sorted.put("a", 1);
      echo(c, "TreeMap as Map keeps its class", "echoMap", "Ljava/util/Map;", Map.class, sorted);
      LinkedHashMap<String, Object> ordered = new LinkedHashMap<>();
      ordered.put("z", 1);
      ordered.put("a", "x");
      echo(c, "LinkedHashMap as Object keeps its class", "echoObject", "Ljava/lang/Object;", Object.class, ordered);
      echo(c, "TreeMap declared", "echoTreeMap", "Ljava/util/TreeMap;", java.util.TreeMap.class, sorted);
      echo(c, "LinkedList declared", "echoLinkedList", "Ljava/util/LinkedList;", java.util.LinkedList.class,
          new java.util.LinkedList<>(Arrays.asList("x", "y")));
      echo(c, "User as Object", "echoObject", "Ljava/lang/Object;", Object.class, ann);
      List<Object> users = new ArrayList<>();
      users.add(ann);
      users.add(new User("bob", 0, -1, tags()));
      echoList(c, "List<User> keeps the class", users, true);
      List<Object> mixed = new ArrayList<>(Arrays.asList(1, "two", 3.5, null, true));
      echo(c, "List mixed", "echoList", "Ljava/util/List;", List.class, mixed);
      Map<String, Object> map = new HashMap<>();
      map.put("a", 1);
      map.put("b", "x");
      map.put("c", new ArrayList<>(Arrays.asList(true, false)));
      map.put("user", ann);
      echo(c, "Map<String,Object>", "echoMap", "Ljava/util/Map;", Map.class, map);
      Map<Integer, String> intKeys = new HashMap<>();
      intKeys.put(1, "one");
      intKeys.put(-7, "minus seven");
      echo(c, "Map<Integer,String> keeps Integer keys", "echoMap", "Ljava/util/Map;", Map.class, intKeys);
      echo(c, "List with NaN and Infinity", "echoList", "Ljava/util/List;", List.class,
          new ArrayList<>(Arrays.asList(1.5, Double.NaN, Double.NEGATIVE_INFINITY)));
      // Lossy by design (docs/rpc.md): where no Java type is declared, a JS number that is whole goes back
      // as an Integer (a Long within ±(2^53−1) and a whole Double both decode to a plain number), and a
      // BigDecimal, which JS holds as its decimal string, goes back as a String.
      echoAs(c, "List with Long 5 and Double 2.0 comes back as Integers (documented loss)", "echoList", "Ljava/util/List;", List.class,
          new ArrayList<>(Arrays.asList(5L, 2.0, 2.5)), new ArrayList<>(Arrays.asList(5, 2, 2.5)));
      echoAs(c, "List with Date and BigDecimal: the BigDecimal comes back as a String (documented loss)", "echoList", "Ljava/util/List;",
          List.class, new ArrayList<>(Arrays.asList(new Date(-1L), new BigDecimal("1.10"))),
          new ArrayList<>(Arrays.asList(new Date(-1L), "1.10")));
      echo(c, "Set", "echoSet", "Ljava/util/Set;", java.util.Set.class, new HashSet<>(Arrays.asList("x", "y")));
      List<Object> shared = new ArrayList<>();
      shared.add(ann);
      shared.add(ann);
      echoShared(c, shared);
      madeByJs(c);
      exceptions(c);
    }
    System.err.println(cases + " cases");
  }

  /** A list of POJOs echoed: each element comes back as a com.example.User, not a HashMap. */
  static void echoList(Client client, String name, List<Object> list, boolean expectUsers) {
    try {
      Result result = client.call(new Call("echoList", "Ljava/util/List;", List.class, list));
      boolean ok = list.equals(result.value);
      if (ok && expectUsers) for (Object item : (List<?>) result.value) ok &= item instanceof User;
      report(name, ok, shorten("sent " + describe(list) + " got " + describe(result.value) + " " + result.exceptionMessage));
    } catch (Exception e) {
      report(name, false, "failed: " + e);
    }
  }

  /** The same object twice in a list comes back as one object twice (hessian references), not two copies. */
  static void echoShared(Client client, List<Object> shared) {
    try {
      Result result = client.call(new Call("echoList", "Ljava/util/List;", List.class, shared));
      List<?> got = (List<?>) result.value;
      boolean ok = got != null && got.size() == 2 && got.get(0) instanceof User && got.get(0) == got.get(1);
      report("shared reference kept", ok, shorten(describe(got)));
    } catch (Exception e) {
      report("shared reference kept", false, "failed: " + e);
    }
  }

  /** Values the JS provider builds itself: each must arrive as the Java type its method declares. */
  static void madeByJs(Client c) throws Exception {
    Result users = c.call(new Call("makeUsers", "", List.class));
    List<?> list = (List<?>) users.value;
    boolean ok = list != null && list.size() == 3 && list.get(0) instanceof User && list.get(0) == list.get(2)
        && "carol".equals(((User) list.get(0)).name) && list.get(1) instanceof User;
    report("JS-built List<User> with a shared element", ok, shorten(describe(list)));
    expect(c, "JS-built Date", "makeDate", Date.class, new Date(-1L));
    expect(c, "JS-built BigDecimal", "makeBigDecimal", BigDecimal.class, new BigDecimal("-0.000123"));
    expect(c, "JS-built BigInteger", "makeBigInteger", BigInteger.class, new BigInteger("-98765432109876543210"));
    expect(c, "JS-built long beyond 2^53", "makeLong", long.class, Long.MIN_VALUE + 1);
    expect(c, "JS-built null", "makeNull", Object.class, null);
    Result attached = c.call(new Call("makeNull", "", Object.class));
    report("response attachments", attached.attachments != null && "js".equals(attached.attachments.get("peer")),
        String.valueOf(attached.attachments));
  }

  static void expect(Client c, String name, String method, Class<?> type, Object expected) {
    try {
      Result result = c.call(new Call(method, "", type));
      boolean ok = Objects.equals(expected, result.value) && (expected == null || expected.getClass() == result.value.getClass());
      report(name, ok, "expected " + describe(expected) + " got " + describe(result.value) + (result.exceptionClass == null ? "" : " threw " + result.exceptionClass));
    } catch (Exception e) {
      report(name, false, "failed: " + e);
    }
  }

  /** A JS provider's error with a Java class name arrives as that exception class with its message. */
  static void exceptions(Client c) throws Exception {
    Result thrown = c.call(new Call("fail", "Ljava/lang/String;", String.class, "no such order 42"));
    report("exception class and message", "java.lang.IllegalArgumentException".equals(thrown.exceptionClass)
        && "no such order 42".equals(thrown.exceptionMessage), thrown.exceptionClass + ": " + thrown.exceptionMessage);
    Result missing = c.call(new Call("noSuchMethod", "", Object.class));
    report("unknown method is an error", missing.exceptionClass != null, missing.exceptionClass + ": " + missing.exceptionMessage);
  }
}
