package com.example;

/** A Java enum: hessian writes it as an object of its class with one field, name. */
public enum Color {
  RED,
  GREEN,
  BLUE
}
