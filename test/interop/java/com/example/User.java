package com.example;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A plain Java bean, as a Dubbo service would pass one: the class name travels in the hessian class definition. */
public class User implements Serializable {
  private static final long serialVersionUID = 1L;

  public String name;
  public int age;
  public long id;
  public List<String> tags = new ArrayList<>();

  public User() {}

  public User(String name, int age, long id, List<String> tags) {
    this.name = name;
    this.age = age;
    this.id = id;
    this.tags = tags;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof User)) return false;
    User that = (User) other;
    return age == that.age && id == that.id && Objects.equals(name, that.name) && Objects.equals(tags, that.tags);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, age, id, tags);
  }

  @Override
  public String toString() {
    return "User{name=" + name + ",age=" + age + ",id=" + id + ",tags=" + tags + "}";
  }
}
